"""Pages: being written."""

urlpatterns = []
