"""The engine: compiling rules for durable_rules, running them, and the independent evaluator."""
