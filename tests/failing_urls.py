"""The site's URLs plus one page that fails, for the 500 page tests."""

from django.urls import path

from skilleval.urls import urlpatterns as site_urlpatterns


def fail(request):
    raise RuntimeError("a failure the 500 page must hide")


urlpatterns = [path("fail/", fail), *site_urlpatterns]
