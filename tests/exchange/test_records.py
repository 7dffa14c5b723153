"""The OAI-PMH record table follows publish, unpublish, delete, access changes, moves and networks,
leaving tombstones only for audiences that once saw a material."""

import pytest
from django.core.management import call_command

from exchange.models import AUDIENCE_PUBLIC, HarvesterToken, OaiRecord, network_audience

from .conftest import deleted_identifiers, error_code, identifier_of

pytestmark = pytest.mark.django_db


def rows(page):
    """{audience: deleted} of `page`'s OaiRecords."""
    return dict(OaiRecord.objects.filter(page_id=page.pk).values_list("audience", "deleted"))


def republish(page, **changes):
    page = page.specific.__class__.objects.get(pk=page.pk)
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision(user=None).publish()
    page.refresh_from_db()
    return page


def test_publish_exposes_to_public_and_network(material, school):
    page = material("Phân số")
    net = network_audience(school["network"].pk)
    assert rows(page) == {AUDIENCE_PUBLIC: False, net: False}
    record = OaiRecord.objects.get(page_id=page.pk, audience=AUDIENCE_PUBLIC)
    assert record.datestamp.microsecond == 0
    assert record.set_specs == ["library:THCS-ND", "type:lesson_plan", "subject:toan"]


def test_unpublish_leaves_tombstones(oai, material, school):
    page = material("Phân số")
    page.unpublish()
    assert rows(page) == {AUDIENCE_PUBLIC: True, network_audience(school["network"].pk): True}
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert deleted_identifiers(root) == [identifier_of(page)]
    republish(page)
    assert rows(page)[AUDIENCE_PUBLIC] is False


def test_delete_leaves_tombstones(oai, material):
    page = material("Phân số")
    identifier = identifier_of(page)
    page.delete()
    assert OaiRecord.objects.get(audience=AUDIENCE_PUBLIC).deleted
    root = oai(verb="GetRecord", metadataPrefix="oai_dc", identifier=identifier)
    assert deleted_identifiers(root) == [identifier]


def test_narrowing_access_leaves_tombstones_per_audience(oai, material, school):
    page = material("Phân số")
    _, token = HarvesterToken.issue(school["b"], "Koha")
    net = network_audience(school["network"].pk)
    page = republish(page, access_level="group")
    assert rows(page) == {AUDIENCE_PUBLIC: True, net: False}
    assert deleted_identifiers(oai(verb="ListIdentifiers", metadataPrefix="oai_dc")) == [identifier_of(page)]
    assert deleted_identifiers(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", token=token)) == []
    page = republish(page, access_level="school")
    assert rows(page) == {AUDIENCE_PUBLIC: True, net: True}
    assert deleted_identifiers(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", token=token)) == [
        identifier_of(page)
    ]


def test_group_material_made_school_only_never_shown_to_the_public(oai, material):
    page = material("Nội bộ", access_level="group")
    republish(page, access_level="school")
    assert error_code(oai(verb="GetRecord", metadataPrefix="oai_dc", identifier=identifier_of(page))) \
        == "idDoesNotExist"
    assert error_code(oai(verb="ListIdentifiers", metadataPrefix="oai_dc")) == "noRecordsMatch"
    assert not OaiRecord.objects.filter(audience=AUDIENCE_PUBLIC).exists()


def test_move_to_a_library_outside_the_network(material, school):
    page = material("Phân số")
    page.move(school["index_outsider"], pos="last-child")
    page.refresh_from_db()
    assert page.library_id == school["outsider"].pk
    assert rows(page) == {AUDIENCE_PUBLIC: False, network_audience(school["network"].pk): True}
    assert OaiRecord.objects.get(page_id=page.pk, audience=AUDIENCE_PUBLIC).library_code == "THPT-XA"


def test_library_leaving_its_network(material, school):
    page = material("Liên thông", access_level="group")
    library = school["a"]
    library.network = None
    library.save()
    assert rows(page) == {network_audience(school["network"].pk): True}


def test_oai_sync_backfills(material):
    page = material("Phân số")
    OaiRecord.objects.all().delete()
    call_command("oai_sync", verbosity=0)
    assert rows(page)[AUDIENCE_PUBLIC] is False
