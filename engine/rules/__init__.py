"""Rules: the rule model, rule files, narratives, scoring."""
