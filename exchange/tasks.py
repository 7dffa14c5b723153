"""Background tasks of the exchange app (django-tasks): primitive arguments, the object re-fetched."""

from django_tasks import task

from .harvesting import harvest_source
from .models import HarvestSource


@task()
def harvest_source_task(source_id, full=False):
    """Harvest HarvestSource `source_id` (exchange.harvesting.harvest_source); returns the
    HarvestRun's pk, or None when the source no longer exists or was disabled."""
    source = HarvestSource.objects.filter(pk=source_id, enabled=True).select_related("member_library").first()
    if source is None:
        return None
    return harvest_source(source, full=full).pk
