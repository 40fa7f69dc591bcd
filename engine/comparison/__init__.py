"""Comparison: diffs between assessments, rule-change impact, rules at a git revision."""
