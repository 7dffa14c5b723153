"""Public URLs of the repository app (search, file serving, MARC downloads, streaming)."""

from django.urls import path

from .views import search

urlpatterns = [
    path("search/", search.search, name="search"),
]
