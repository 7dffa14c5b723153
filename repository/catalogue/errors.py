"""Errors of the print catalogue (repository.catalogue), under one root."""


class CatalogueError(Exception):
    """Root of the print catalogue's errors."""


class MarcRecordError(CatalogueError):
    """One MARC record cannot be read or kept; the message (Vietnamese) says why."""


class MarcFileError(CatalogueError):
    """A whole file cannot be read (missing, not MARC); the message says why."""
