"""Facade over the domain models; import them from here (``from repository.models import Library``)."""

from .derivatives import Derivative, DerivativeKind, DerivativeStatus
from .libraries import Library, LibraryIndexPage, LibraryNetwork, LibraryRoleGroup, SubjectGroup
from .materials import MaterialFile, MaterialPage, MaterialPageTag, ProcessingStatus
from .transcripts import TranscriptCorrection
from .workflows import PrincipalSignOffTask, SubjectGroupReviewTask

__all__ = [
    "Derivative",
    "DerivativeKind",
    "DerivativeStatus",
    "Library",
    "LibraryIndexPage",
    "LibraryNetwork",
    "LibraryRoleGroup",
    "MaterialFile",
    "MaterialPage",
    "MaterialPageTag",
    "PrincipalSignOffTask",
    "ProcessingStatus",
    "SubjectGroup",
    "SubjectGroupReviewTask",
    "TranscriptCorrection",
]
