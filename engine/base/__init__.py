"""Foundations every layer uses: problems, safe file and YAML reading, the Jinja sandbox."""
