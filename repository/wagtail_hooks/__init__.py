"""Wagtail hooks of the repository app, one module per concern (Wagtail imports this package)."""

from . import admin, documents, isolation, moves, pipeline, review, transcripts, versions  # noqa: F401
