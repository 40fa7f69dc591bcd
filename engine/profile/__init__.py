"""Profile input: snapshots, the profile schema, validation, facts and derived fields."""
