"""Helpers shared by tests: put a derivative in place without running the media pipeline."""

from django.core.files.base import ContentFile
from django.utils import timezone

from repository.models import Derivative, DerivativeStatus
from repository.models.derivatives import params_version


def set_derivative(material_file, kind, content=None, name="output.bin", metadata=None):
    """Make `material_file`'s current Derivative of `kind` done, with `content` (bytes) stored as its
    output under `name` (no output when None) and `metadata`; returns it."""
    derivative, _created = Derivative.objects.get_or_create(
        material_file=material_file, kind=kind, input_sha256=material_file.sha256,
        params_version=params_version(kind),
    )
    if derivative.output:
        derivative.output.delete(save=False)
    if content is not None:
        derivative.output.save(name, ContentFile(content), save=False)
    derivative.status = DerivativeStatus.DONE
    derivative.metadata = metadata if metadata is not None else derivative.metadata
    derivative.finished_at = timezone.now()
    derivative.save()
    material_file.refresh_from_db()
    return derivative


def drop_derivative(material_file, kind):
    """Delete `material_file`'s derivatives of `kind` (and their stored output after commit)."""
    for derivative in Derivative.objects.filter(material_file=material_file, kind=kind):
        derivative.delete()
    material_file.refresh_from_db()
