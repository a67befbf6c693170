"""Models arrive with the certificates issue."""
