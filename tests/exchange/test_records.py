"""The OAI-PMH record table follows publish, unpublish, delete, access changes, moves, networks and
the media pipeline's findings, leaving tombstones only for audiences that once saw a material."""

from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.http import QueryDict
from django.utils import timezone
from lxml import etree

from exchange.models import AUDIENCE_PUBLIC, HarvesterToken, OaiRecord, network_audience
from exchange.oai import respond
from repository.models import MaterialFile, ProcessingStatus
from repository.pipeline import process_material_file, reprocess
from tests.helpers import tiny_pdf

from .conftest import NS, deleted_identifiers, error_code, identifier_of, identifiers, validate

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


LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def age_rows(page):
    """Put `page`'s rows back at LONG_AGO, so a later touch is seen whatever the clock's second."""
    OaiRecord.objects.filter(page_id=page.pk).update(datestamp=LONG_AGO)


def stamps(page):
    """{audience: datestamp} of `page`'s OaiRecords."""
    return dict(OaiRecord.objects.filter(page_id=page.pk).values_list("audience", "datestamp"))


def extent(oai, page):
    """300 $a of `page`'s marcxml record, as an anonymous harvester gets it."""
    root = oai(verb="GetRecord", metadataPrefix="marcxml", identifier=identifier_of(page))
    return root.xpath("string(//marc:datafield[@tag='300']/marc:subfield[@code='a'])", namespaces=NS)


def test_processing_a_live_materials_file_gives_its_record_a_new_datestamp(oai, material, school):
    """The pipeline's findings (page count in 300, 347, 005) change the record: an incremental harvest
    (from=) must see it again, in every audience that sees the material."""
    page = material("Phân số")
    assert extent(oai, page) == "1 tài nguyên trực tuyến"  # not processed yet: no page count
    age_rows(page)
    assert process_material_file(page.file_id) == ProcessingStatus.DONE
    assert extent(oai, page) == "1 tài nguyên trực tuyến (1 trang)"
    assert set(stamps(page)) == {AUDIENCE_PUBLIC, network_audience(school["network"].pk)}
    assert all(stamp > LONG_AGO for stamp in stamps(page).values())
    root = oai(verb="ListIdentifiers", metadataPrefix="marcxml", **{"from": "2021-01-01"})
    assert identifiers(root) == [identifier_of(page)]

    age_rows(page)
    material_file = MaterialFile.objects.get(pk=page.file_id)
    assert reprocess([material_file]) > 0  # the derivatives made again: a new 005 at least
    assert all(stamp > LONG_AGO for stamp in stamps(page).values())


def test_draft_edit_and_its_new_file_leave_the_datestamp_alone(oai, material, school):
    """A draft (a new title, a new file version being processed) does not change the live record:
    no new datestamp until it is published."""
    from repository.roles import library_collection

    page = material("Phân số")
    age_rows(page)
    new_file = MaterialFile(title="Phân số v2", uploaded_by_user=school["teacher"],
                            collection=library_collection(school["a"]))
    new_file.file.save("bai-v2.pdf", ContentFile(tiny_pdf("v2")), save=False)
    new_file.save()
    draft = page.specific.__class__.objects.get(pk=page.pk)
    draft.title = "Phân số (bản mới)"
    draft.file = new_file
    revision = draft.save_revision(user=school["teacher"])
    assert process_material_file(new_file.pk) == ProcessingStatus.DONE
    assert set(stamps(page).values()) == {LONG_AGO}
    assert error_code(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2021-01-01"})) \
        == "noRecordsMatch"
    revision.publish()
    assert all(stamp > LONG_AGO for stamp in stamps(page).values())


def test_deleting_a_network_tombstones_its_audience(oai, material, school):
    """Deleting a LibraryNetwork (its libraries' `network` set to NULL by the database, no save):
    the network audience's records become tombstones; the public ones stay; a group-only material
    never reaches an anonymous harvester."""
    group_page = material("Liên thông", access_level="group")
    public_page = material("Phân số")
    net = network_audience(school["network"].pk)
    school["network"].delete()
    assert rows(group_page) == {net: True}
    assert rows(public_page) == {AUDIENCE_PUBLIC: False, net: True}

    # No token reaches the deleted network any more (its libraries are in none): its audience is
    # asked directly, as a harvester that kept a resumption token would have been served.
    for verb in ("ListIdentifiers", "ListRecords"):
        body = respond(QueryDict(f"verb={verb}&metadataPrefix=oai_dc"), net, "http://testserver/oai/",
                       timezone.now())
        validate(body)
        root = etree.fromstring(body)
        expected = sorted([identifier_of(group_page), identifier_of(public_page)])
        assert sorted(deleted_identifiers(root)) == expected
        assert not root.xpath("//oai:metadata", namespaces=NS)

    anonymous = oai(verb="ListRecords", metadataPrefix="oai_dc")
    assert identifiers(anonymous) == [identifier_of(public_page)]
    assert error_code(oai(verb="GetRecord", metadataPrefix="oai_dc", identifier=identifier_of(group_page))) \
        == "idDoesNotExist"
    assert "Liên thông" not in oai(verb="ListSets").xpath("string(.)")
