"""Wagtail hooks of the repository app, one module per concern (Wagtail imports this package)."""

from . import admin, documents, isolation, pipeline, review  # noqa: F401
