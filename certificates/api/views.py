"""Certificate API: being written."""

routes = []  # (prefix, viewset, basename) registered on /api/v1/
urlpatterns = []  # explicit paths under /api/v1/ (the public lookup and verification)
