"""The migration that keys harvested records by their OAI identifier
(exchange 0003_key_harvested_records_by_identifier) on rows harvested before it: a row two
identifiers shared, and a row the library's own import took back from a harvested record."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Transactional: the migrations run backwards and forwards outside a test transaction.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("wagtail_site_root")]

FEB_1, FEB_2 = "2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z"
BEFORE = [("exchange", "0002_harvest_sources"), ("repository", "0014_catalogue_record_source_identifier")]


def _migrate(targets=None):
    """Migrate to `targets` (default: the latest migrations); returns the models' state there."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_a_shared_row_goes_to_one_identifier_and_the_others_come_back(school):
    old = _migrate(BEFORE)
    Library = old.get_model("repository", "Library")
    Source = old.get_model("exchange", "HarvestSource")
    Record = old.get_model("repository", "CatalogueRecord")
    Link = old.get_model("exchange", "HarvestedRecord")
    library = Library.objects.get(pk=school["a"].pk)
    where = {"base_url": "http://127.0.0.1:9/oai/", "receiving_library": library, "member_library": library,
             "last_datestamp": "2026-03-01T08:00:00Z"}
    source = Source.objects.create(name="nguyendu", **where)
    untouched = Source.objects.create(name="khac", **where)

    def record(number, **fields):
        return Record.objects.create(library=library, control_number=number, title=number,
                                     marcxml="<record/>", **fields)

    shared = record("NLV-1", source="harvested", source_name="nguyendu")
    own = record("KOHA-5", source="local")
    alone = record("NLV-2", source="harvested", source_name="khac")
    Link.objects.create(source=source, identifier="oai:a:1", datestamp=FEB_1, record=shared)
    Link.objects.create(source=source, identifier="oai:a:2", datestamp=FEB_2, record=shared)
    Link.objects.create(source=source, identifier="oai:a:5", datestamp=FEB_1, record=own)
    Link.objects.create(source=untouched, identifier="oai:k:1", datestamp=FEB_1, record=alone)

    _migrate()

    from exchange.models import HarvestedRecord, HarvestSource
    from repository.models import CatalogueRecord

    links = dict(HarvestedRecord.objects.values_list("identifier", "record_id"))
    assert links == {"oai:a:1": None, "oai:a:2": shared.pk, "oai:a:5": None, "oai:k:1": alone.pk}
    identifiers = dict(CatalogueRecord.objects.values_list("control_number", "source_identifier"))
    assert identifiers == {"NLV-1": "oai:a:2", "KOHA-5": "", "NLV-2": "oai:k:1"}
    assert dict(HarvestSource.objects.values_list("name", "last_datestamp__year")) == {
        "nguyendu": None, "khac": 2026}
