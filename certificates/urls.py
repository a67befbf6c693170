"""Certificate pages: being written."""

urlpatterns = []
