"""Background tasks of the repository (django-tasks): primitive arguments, the object re-fetched."""

from django_tasks import task


@task()
def process_material_file_task(material_file_id):
    """Run the media pipeline on MaterialFile `material_file_id` (see repository.pipeline).

    Returns the resulting processing status ("done", "failed"; "pending" when a newer original
    arrived meanwhile; None when the file was deleted).
    """
    from .pipeline import process_material_file

    return process_material_file(material_file_id)
