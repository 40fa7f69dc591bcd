"""The text behind the authoring commands: listing, testing, explaining, linting rules."""
