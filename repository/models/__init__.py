"""Facade over the domain models; import them from here (``from repository.models import Library``)."""

from .catalogue import CatalogueRecord, CatalogueSource, Holding, QualityIssue, QualityRule
from .derivatives import Derivative, DerivativeKind, DerivativeStatus, prefetch_current_derivatives
from .libraries import Library, LibraryIndexPage, LibraryNetwork, LibraryRoleGroup, SubjectGroup
from .materials import MaterialFile, MaterialPage, MaterialPageTag, ProcessingStatus
from .pagesets import PageImage
from .transcripts import TranscriptCorrection
from .workflows import PrincipalSignOffTask, SubjectGroupReviewTask

__all__ = [
    "prefetch_current_derivatives",
    "CatalogueRecord",
    "CatalogueSource",
    "Derivative",
    "DerivativeKind",
    "DerivativeStatus",
    "Holding",
    "Library",
    "LibraryIndexPage",
    "LibraryNetwork",
    "LibraryRoleGroup",
    "MaterialFile",
    "MaterialPage",
    "MaterialPageTag",
    "PageImage",
    "PrincipalSignOffTask",
    "ProcessingStatus",
    "QualityIssue",
    "QualityRule",
    "SubjectGroup",
    "SubjectGroupReviewTask",
    "TranscriptCorrection",
]
