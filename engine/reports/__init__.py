"""Reports: rendering an assessment, a timeline, a diff or an impact, charts, and writing files."""
