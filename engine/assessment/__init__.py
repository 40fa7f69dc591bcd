"""Assessments: the model, building one from firings, timelines, saved JSON, the assessor."""
