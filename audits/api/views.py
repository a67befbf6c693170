"""API: being written."""

routes = []  # (prefix, viewset, basename) registered on /api/v1/
