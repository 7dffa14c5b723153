"""Facade over the domain models; import them from here (``from repository.models import Library``)."""

from .libraries import Library, LibraryIndexPage, LibraryNetwork, LibraryRoleGroup, SubjectGroup
from .materials import MaterialFile, MaterialPage, MaterialPageTag, ProcessingStatus
from .workflows import SubjectGroupReviewTask

__all__ = [
    "Library",
    "LibraryIndexPage",
    "LibraryNetwork",
    "LibraryRoleGroup",
    "MaterialFile",
    "MaterialPage",
    "MaterialPageTag",
    "ProcessingStatus",
    "SubjectGroup",
    "SubjectGroupReviewTask",
]
