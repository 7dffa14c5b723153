"""The hub's harvester (exchange.harvesting, manage.py harvest_oai, the worker's schedule) against a
canned OAI-PMH provider on loopback (tests/exchange/oai_feed.py): records in, bad records reported
while the rest go on, deletions applied, incremental `from` only after a harvest without failure,
group-only records hidden from readers outside the network."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from haystack import connections

from exchange.harvesting import harvest_source
from exchange.models import HarvestedRecord, HarvestRun, HarvestSource
from repository.models import CatalogueRecord
from repository.search.query import search_materials
from repository.signals import worker_tick

from .oai_feed import OaiFeed, marc_record, oai_record

ID = "oai:thu.vn:material/{}".format
FEB_1 = "2026-02-01T00:00:00Z"


@pytest.fixture(autouse=True)
def empty_index():
    connections["default"].get_backend().clear()


@pytest.fixture
def feed():
    with OaiFeed() as feed:
        yield feed


@pytest.fixture
def make_source(school):
    def _make(feed, token="", **fields):
        source = HarvestSource(name=fields.pop("name", "nguyendu"), base_url=feed.url,
                               receiving_library=school["b"],
                               member_library=fields.pop("member_library", school["a"]), **fields)
        source.token = token
        source.full_clean()
        source.save()
        return source

    return _make


@pytest.fixture
def harvest(django_capture_on_commit_callbacks):
    """harvest(source, full=False) -> HarvestRun, with the indexing tasks run on commit."""

    def _harvest(source, full=False):
        with django_capture_on_commit_callbacks(execute=True):
            return harvest_source(source, full=full)

    return _harvest


def hits(user=None, query=""):
    return {(hit.model_name, int(hit.pk)) for hit in search_materials(user or AnonymousUser(), query)}


def test_records_come_in_bad_ones_are_reported_and_deletions_applied(feed, make_source, harvest, school):
    feed.pages = [
        [oai_record(ID(1), "2026-02-01T00:00:00Z", marc_record("HL-1", "Giáo án Toán 6")),
         oai_record(ID(2), "2026-02-01T00:00:00Z", marc_record("", "Không số kiểm soát"))],
        [oai_record(ID(3), "2026-02-02T00:00:00Z", marc_record("HL-3", "Sách nói Tấm Cám")),
         oai_record(ID(4), "2026-02-02T00:00:00Z", metadata_xml="<dc xmlns='urn:x'>oai_dc</dc>"),
         oai_record(ID(9), "2026-02-02T00:00:00Z", deleted=True)],
    ]
    source = make_source(feed)
    run = harvest(source)

    assert (run.status, run.created, run.failed, run.pages) == ("partial", 2, 2, 2)
    assert {failure["identifier"] for failure in run.failures} == {ID(2), ID(4)}
    assert "001" in next(f["reason"] for f in run.failures if f["identifier"] == ID(2))
    assert "MARCXML" in next(f["reason"] for f in run.failures if f["identifier"] == ID(4))
    source.refresh_from_db()
    assert source.last_datestamp is None and source.last_status == "partial"  # not advanced
    toan = CatalogueRecord.objects.get(control_number="HL-1")
    assert (toan.library, toan.control_number_identifier, toan.source, toan.source_name) == (
        school["a"], "VN-THUTHU", "harvested", "nguyendu")
    assert ("cataloguerecord", toan.pk) in hits(query="giao an toan")

    # The member fixes its records: the same feed again, now without failures.
    feed.pages[0][1] = oai_record(ID(2), "2026-02-03T00:00:00Z", marc_record("HL-2", "Có số kiểm soát"))
    feed.pages[1][1] = oai_record(ID(4), "2026-02-03T00:00:00Z", marc_record("HL-4", "Bài giảng Địa lí"))
    run = harvest(source)
    assert (run.status, run.created, run.unchanged, run.failed) == ("success", 2, 2, 0)
    assert "from" not in feed.list_requests()[-2]
    source.refresh_from_db()
    assert source.last_datestamp == datetime(2026, 3, 1, 8, tzinfo=UTC)  # Identify's responseDate

    # Next time: only what changed since, from that responseDate; a tombstone deletes the record.
    feed.response_date = "2026-03-02T08:00:00Z"
    feed.pages = [[oai_record(ID(1), "2026-03-01T09:00:00Z", deleted=True)]]
    run = harvest(source)
    assert (run.status, run.deleted) == ("success", 1)
    assert feed.list_requests()[-1]["from"] == "2026-03-01T08:00:00Z"
    toan.refresh_from_db()
    assert toan.deleted
    assert ("cataloguerecord", toan.pk) not in hits(query="giao an toan")
    assert HarvestedRecord.objects.get(source=source, identifier=ID(1)).deleted

    # Nothing new: noRecordsMatch is an empty, successful harvest.
    feed.pages = [[]]
    assert harvest(source).status == "success"
    assert HarvestRun.objects.filter(source=source).count() == 4


def test_a_harvest_that_fails_midway_keeps_what_came_and_the_datestamp(feed, make_source, harvest):
    feed.pages = [[oai_record(ID(1), "2026-02-01T00:00:00Z", marc_record("HL-1", "Giáo án Toán 6"))], 500]
    source = make_source(feed)
    source.last_datestamp = datetime(2026, 1, 1, tzinfo=UTC)
    source.save()
    run = harvest(source)
    assert run.status == "failed" and "HTTP 500" in run.message
    assert CatalogueRecord.objects.filter(control_number="HL-1").exists()
    source.refresh_from_db()
    assert source.last_datestamp == datetime(2026, 1, 1, tzinfo=UTC)
    assert feed.list_requests()[0]["from"] == "2026-01-01T00:00:00Z"


def test_day_granularity_provider_gets_a_day(make_source, harvest):
    with OaiFeed(granularity="YYYY-MM-DD") as feed:
        feed.pages = [[]]
        source = make_source(feed)
        source.last_datestamp = datetime(2026, 1, 5, 13, 30, tzinfo=UTC)
        source.save()
        assert harvest(source).status == "success"
        assert feed.list_requests()[0]["from"] == "2026-01-05"


def test_group_only_records_are_for_the_network_alone(feed, make_source, harvest, school, client):
    from repository.choices import Role
    from repository.roles import add_member

    feed.pages = [[
        oai_record(ID(1), "2026-02-01T00:00:00Z", marc_record("HL-1", "Giáo án công khai",
                                                             access_indicator="0")),
        oai_record(ID(2), "2026-02-01T00:00:00Z", marc_record("HL-2", "Giáo án liên thông",
                                                             access_indicator="1")),
        oai_record(ID(3), "2026-02-01T00:00:00Z", marc_record("HL-3", "Giáo án không ghi 506")),
    ]]
    source = make_source(feed, token="bi-mat-cua-lien-thong")
    assert "bi-mat" not in source.token_encrypted  # stored encrypted, sent in clear
    harvest(source)
    assert {request["authorization"] for request in feed.requests} == {"Bearer bi-mat-cua-lien-thong"}
    levels = dict(CatalogueRecord.objects.values_list("control_number", "access_level"))
    assert levels == {"HL-1": "public", "HL-2": "group", "HL-3": "group"}
    public, group, unmarked = (CatalogueRecord.objects.get(control_number=number).pk
                               for number in ("HL-1", "HL-2", "HL-3"))

    assert hits() == {("cataloguerecord", public)}
    assert hits(school["student_outsider"]) == {("cataloguerecord", public)}
    assert hits(school["student_b"]) == {("cataloguerecord", pk) for pk in (public, group, unmarked)}
    facet = dict(search_materials(AnonymousUser(), "").facet_counts()["fields"]["library_id"])
    assert facet[str(school["a"].pk)] == 1

    page = client.get(reverse("search"), {"q": "giáo án"}).content.decode()
    assert "Giáo án công khai" in page and "Giáo án liên thông" not in page and "506" not in page
    assert school["a"].name in page  # each record's library
    client.force_login(school["student_outsider"])
    assert "Giáo án liên thông" not in client.get(reverse("search"), {"q": "giáo án"}).content.decode()
    client.force_login(school["student_b"])
    page = client.get(reverse("search"), {"q": "giáo án"}).content.decode()
    assert "Giáo án liên thông" in page and 'data-kind="print"' in page
    # A reader who joins no library of the network later: still nothing.
    teacher_x = school["student_outsider"]
    add_member(teacher_x, school["outsider"], Role.TEACHER)
    client.force_login(teacher_x)
    assert "Giáo án liên thông" not in client.get(reverse("search"), {"q": "giáo án"}).content.decode()


def test_a_token_source_must_keep_records_in_the_network(feed, school):
    from django.core.exceptions import ValidationError

    source = HarvestSource(name="xa", base_url=feed.url, receiving_library=school["b"],
                           member_library=school["outsider"])
    source.full_clean()  # no token: a public feed, any member library
    source.token = "abc"
    with pytest.raises(ValidationError):
        source.full_clean()


def test_the_worker_tick_harvests_due_sources_once(feed, make_source, django_capture_on_commit_callbacks):
    feed.pages = [[oai_record(ID(1), "2026-02-01T00:00:00Z", marc_record("HL-1", "Giáo án Toán 6"))]]
    due = make_source(feed, interval_minutes=60)
    manual = make_source(feed, name="thu-cong", interval_minutes=0)
    later = make_source(feed, name="sau", interval_minutes=60,
                        next_harvest_at=timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        worker_tick.send(sender=None)
        worker_tick.send(sender=None)  # a second worker ticking at once: nothing due any more
    assert list(HarvestRun.objects.values_list("source__name", flat=True)) == [due.name]
    due.refresh_from_db()
    assert due.next_harvest_at > timezone.now() + timedelta(minutes=59)
    assert due.last_status == "success"
    assert not manual.runs.exists() and not later.runs.exists()


def test_harvest_oai_command_reports_and_exits_1_on_failure(feed, make_source, capsys):
    feed.pages = [[oai_record(ID(1), "2026-02-01T00:00:00Z", marc_record("HL-1", "Giáo án Toán 6")),
                   oai_record(ID(2), "2026-02-01T00:00:00Z", marc_record("", "Hỏng"))]]
    make_source(feed)
    with pytest.raises(SystemExit) as exit_info:
        call_command("harvest_oai", "--source", "nguyendu", verbosity=0)
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "Mới 1" in out and "lỗi 1" in out and ID(2) in out
    feed.pages[0].pop()
    call_command("harvest_oai", "--full", verbosity=0)
    assert "Thành công" in capsys.readouterr().out


# --- keys: a harvested record is its source's OAI identifier, nothing else ---------------------


def _rows(number):
    return {(row.source, row.source_name, row.title, row.deleted)
            for row in CatalogueRecord.objects.filter(control_number=number)}


def test_two_sources_into_one_library_keep_records_that_share_001_003(make_source, harvest, school):
    # Two members whose records both kept the National Library's 001/003 (copy cataloguing), harvested
    # into the same library (the hub keeps them under itself, "HUB ← source").
    with OaiFeed() as one, OaiFeed() as two:
        one.pages = [[oai_record("oai:a:1", "2026-02-01T00:00:00Z",
                                 marc_record("NLV-7", "Truyện Kiều (bản trường A)", org="VN-NLV"))]]
        two.pages = [[oai_record("oai:c:9", "2026-02-01T00:00:00Z",
                                 marc_record("NLV-7", "Truyện Kiều (bản trường C)", org="VN-NLV"))]]
        first = make_source(one, name="truong-a", member_library=school["b"])
        second = make_source(two, name="truong-c", member_library=school["b"])
        assert harvest(first).created == 1 and harvest(second).created == 1
        assert _rows("NLV-7") == {("harvested", "truong-a", "Truyện Kiều (bản trường A)", False),
                                  ("harvested", "truong-c", "Truyện Kiều (bản trường C)", False)}
        assert harvest(first, full=True).unchanged == 1  # still its own row, not C's

        two.pages = [[oai_record("oai:c:9", "2026-02-02T00:00:00Z", deleted=True)]]
        assert harvest(second).deleted == 1
        assert _rows("NLV-7") == {("harvested", "truong-a", "Truyện Kiều (bản trường A)", False),
                                  ("harvested", "truong-c", "Truyện Kiều (bản trường C)", True)}


def test_one_feed_with_two_records_of_one_key_keeps_both(feed, make_source, harvest):
    # A feed of records without 001 and the same ISBN (two printings), and two records sharing
    # 001/003: each identifier stays its own row, in one page or across pages.
    feed.pages = [
        [oai_record(ID(1), FEB_1, marc_record("", "Toán 6 tập 1 (in lần 1)", isbn="9786040000019")),
         oai_record(ID(2), FEB_1, marc_record("", "Toán 6 tập 1 (in lần 2)", isbn="9786040000019")),
         oai_record(ID(3), FEB_1, marc_record("NLV-8", "Lịch sử 6", org="VN-NLV"))],
        [oai_record(ID(4), FEB_1, marc_record("NLV-8", "Lịch sử 6 (bản khác)", org="VN-NLV"))],
    ]
    source = make_source(feed)
    run = harvest(source)
    assert (run.status, run.created, run.updated) == ("success", 4, 0)
    links = dict(HarvestedRecord.objects.values_list("identifier", "record__title"))
    assert links == {ID(1): "Toán 6 tập 1 (in lần 1)", ID(2): "Toán 6 tập 1 (in lần 2)",
                     ID(3): "Lịch sử 6", ID(4): "Lịch sử 6 (bản khác)"}
    run = harvest(source, full=True)
    assert (run.created, run.updated, run.unchanged) == (0, 0, 4)

    feed.pages = [[oai_record(ID(2), "2026-02-03T00:00:00Z", deleted=True)]]
    harvest(source)
    assert {(row.title, row.deleted) for row in CatalogueRecord.objects.filter(isbn="9786040000019")} == {
        ("Toán 6 tập 1 (in lần 1)", False), ("Toán 6 tập 1 (in lần 2)", True)}


def test_a_harvested_record_never_overwrites_the_librarys_own_import(feed, make_source, harvest, school,
                                                                       tmp_path):
    from pymarc import MARCWriter

    from repository.catalogue.importing import import_marc_files

    path = tmp_path / "own.mrc"
    with open(path, "wb") as handle:
        MARCWriter(handle).write(marc_record("KOHA-5", "Sách in của thư viện", org="THCS-ND"))
    assert import_marc_files([path], school["a"]).created == 1
    # The member's own Koha feed, harvested into the same library, carries the same 001/003.
    feed.pages = [[oai_record(ID(5), "2026-02-01T00:00:00Z",
                              marc_record("KOHA-5", "Bản trong nguồn OAI", org="THCS-ND"))]]
    source = make_source(feed)
    assert harvest(source).created == 1
    assert _rows("KOHA-5") == {("local", "", "Sách in của thư viện", False),
                               ("harvested", "nguyendu", "Bản trong nguồn OAI", False)}
    # The library imports its file again: its record, unchanged; the harvested one untouched.
    assert import_marc_files([path], school["a"]).unchanged == 1
    # The feed deletes its record: the library's own stays.
    feed.pages = [[oai_record(ID(5), "2026-02-02T00:00:00Z", deleted=True)]]
    assert harvest(source).deleted == 1
    assert _rows("KOHA-5") == {("local", "", "Sách in của thư viện", False),
                               ("harvested", "nguyendu", "Bản trong nguồn OAI", True)}


# --- records a source dropped: a complete list from the start is the whole feed ----------------


@pytest.mark.parametrize("policy", ["no", "transient"])
def test_a_complete_full_harvest_deletes_the_records_the_feed_dropped(make_source, harvest, capsys, policy):
    with OaiFeed(deleted_record=policy) as feed:
        feed.pages = [
            [oai_record(ID(1), "2026-02-01T00:00:00Z", marc_record("HL-1", "Giáo án Toán 6")),
             oai_record(ID(2), "2026-02-01T00:00:00Z", marc_record("HL-2", "Sách nói Tấm Cám"))],
            [oai_record(ID(3), "2026-02-01T00:00:00Z", marc_record("HL-3", "Bài giảng Địa lí"))],
        ]
        source = make_source(feed)
        assert harvest(source).created == 3
        # The provider forgets HL-2 without a tombstone. An incremental harvest cannot tell.
        feed.pages = [[feed.pages[0][0]], feed.pages[1]]
        feed.response_date = "2026-03-02T08:00:00Z"
        run = harvest(source)
        assert (run.deleted, run.dropped) == (0, 0)
        assert not CatalogueRecord.objects.get(control_number="HL-2").deleted

        call_command("harvest_oai", "--source", source.name, "--full", verbosity=0)
        run = HarvestRun.objects.filter(source=source).first()
        assert (run.status, run.unchanged, run.deleted, run.dropped) == ("success", 2, 1, 1)
        assert "xoá 1" in capsys.readouterr().out
        assert dict(CatalogueRecord.objects.values_list("control_number", "deleted")) == {
            "HL-1": False, "HL-2": True, "HL-3": False}
        assert HarvestedRecord.objects.get(source=source, identifier=ID(2)).deleted
        # It comes back: the same row again, not deleted.
        feed.pages[1].append(oai_record(ID(2), "2026-03-03T00:00:00Z",
                                        marc_record("HL-2", "Sách nói Tấm Cám")))
        assert harvest(source, full=True).updated == 1
        assert CatalogueRecord.objects.filter(control_number="HL-2", deleted=False).count() == 1
        assert CatalogueRecord.objects.filter(control_number="HL-2").count() == 1


@pytest.mark.parametrize("second_page", [500, "bad record"])
def test_a_failed_or_partial_full_harvest_deletes_nothing(make_source, harvest, second_page):
    with OaiFeed(deleted_record="no") as feed:
        feed.pages = [[oai_record(ID(n), "2026-02-01T00:00:00Z", marc_record(f"HL-{n}", f"Bài {n}"))]
                      for n in (1, 2, 3)]
        source = make_source(feed)
        assert harvest(source).created == 3
        # HL-3 is gone; the full harvest fails on page 2 (HTTP 500), or one of its records is bad.
        feed.pages = [feed.pages[0], 500 if second_page == 500 else [
            oai_record(ID(2), "2026-02-02T00:00:00Z", marc_record("", "Hỏng"))]]
        run = harvest(source, full=True)
        assert run.status == ("failed" if second_page == 500 else "partial")
        assert (run.deleted, run.dropped) == (0, 0)
        assert not CatalogueRecord.objects.filter(deleted=True).exists()
        assert not HarvestedRecord.objects.filter(deleted=True).exists()


# --- quality: each harvest run's changes are checked in the worker, without the button -----------


def test_a_harvest_checks_what_came_in_and_a_corrected_record_loses_its_issue(feed, make_source, harvest):
    from pymarc import Field, Indicators, Subfield

    from repository.models import QualityIssue

    def with_ddc(number):
        record = marc_record("HL-1", "Giáo án Toán 6")
        record.add_field(Field(tag="082", indicators=Indicators("0", "4"), subfields=[Subfield("a", number)]))
        return record

    def rules(number):
        return set(QualityIssue.objects.filter(record__control_number=number).values_list("rule", flat=True))

    feed.pages = [[oai_record(ID(1), "2026-02-01T00:00:00Z", with_ddc("372,6")),
                   oai_record(ID(2), "2026-02-01T00:00:00Z", marc_record("HL-2", "Bài giảng Địa lí"))]]
    source = make_source(feed)
    harvest(source)
    assert rules("HL-1") == {"ddc_number", "required_fields"}  # and no 008, 264, 300 in the canned record
    assert rules("HL-2") == {"required_fields"}

    feed.response_date = "2026-03-02T08:00:00Z"
    feed.pages = [[oai_record(ID(1), "2026-03-01T09:00:00Z", with_ddc("372.6")),
                   oai_record(ID(2), "2026-03-01T09:00:00Z", deleted=True)]]
    run = harvest(source)
    assert (run.updated, run.deleted) == (1, 1)
    assert rules("HL-1") == {"required_fields"}
    assert rules("HL-2") == set()  # deleted: no longer in the report
