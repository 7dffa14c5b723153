"""Background tasks of the repository (django-tasks): primitive arguments, the object re-fetched."""

import dataclasses

from django_tasks import task

from .catalogue.quality import check_changed_records, check_libraries
from .pipeline import process_derivative


@task()
def process_derivative_task(material_file_id, kind):
    """Make the Derivative of `kind` (a DerivativeKind value) for MaterialFile `material_file_id`
    (see repository.pipeline.process_derivative).

    Returns the derivative's status after this run ("done", "failed", "pending" when it will be
    retried or another run holds it), or None when the file or the derivative no longer exists.
    """
    return process_derivative(material_file_id, kind)


@task()
def check_catalogue_quality_task(library_ids):
    """Check the catalogue records of the Libraries `library_ids` (list of int) against the hub's
    quality rules and store the failures (repository.catalogue.quality.check_libraries). Returns the
    summary as a dict: checked, failing, issues."""
    return dataclasses.asdict(check_libraries(library_ids))


@task()
def check_changed_catalogue_records_task(library_ids):
    """Check the catalogue records of the Libraries `library_ids` (list of int) changed since their
    last quality check, and the duplicate issues they concern, and store the failures
    (repository.catalogue.quality.check_changed_records). Queued after each `import_marc` import
    and each harvest run that changed records, so the report follows without anyone pressing
    the check button. Returns the summary as a dict: checked, failing, issues."""
    return dataclasses.asdict(check_changed_records(library_ids))
