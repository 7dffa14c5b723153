"""Public URLs of the repository app, one module per concern."""

from django.urls import include, path

urlpatterns = [
    path("", include("repository.urls_search")),
    path("", include("repository.urls_marc")),
    path("", include("repository.urls_media")),
    path("", include("repository.urls_signatures")),
]
