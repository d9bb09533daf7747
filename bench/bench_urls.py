"""The benchmark's URLconf: the application's own, plus a bare view to compare against."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from sayso.urls import urlpatterns as sayso_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    """The least a Django view can do: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *sayso_urlpatterns]
