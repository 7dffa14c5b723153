"""Wagtail hooks of the repository app, one module per concern (Wagtail imports this package)."""

from . import (  # noqa: F401
    admin,
    catalogue,
    contributions,
    deposit,
    documents,
    isolation,
    moves,
    pipeline,
    print_twin,
    review,
    transcripts,
    union_catalogue,
    versions,
)
