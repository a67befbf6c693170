"""Models arrive with the competitions issue."""
