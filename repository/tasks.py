"""Background tasks of the repository (django-tasks): primitive arguments, the object re-fetched."""

from django_tasks import task

from .pipeline import process_derivative


@task()
def process_derivative_task(material_file_id, kind):
    """Make the Derivative of `kind` (a DerivativeKind value) for MaterialFile `material_file_id`
    (see repository.pipeline.process_derivative).

    Returns the derivative's status after this run ("done", "failed", "pending" when it will be
    retried or another run holds it), or None when the file or the derivative no longer exists.
    """
    return process_derivative(material_file_id, kind)
