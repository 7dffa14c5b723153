"""repository.catalogue.importing writes records a batch at a time (write_batch): what batching could
break. A key met twice in one batch, a record updated later in the same file, a malformed record or
one the database refuses in the middle of a batch, holdings replaced, one indexing task per batch."""

import pymarc
import pytest
from django.db import IntegrityError, connection

from repository.catalogue import importing
from repository.catalogue.importing import import_marc_files
from repository.models import CatalogueRecord, Holding

CATALOGUE = "marc/thcs_print_catalogue_nfc.mrc"


@pytest.fixture
def records(fixture_path):
    """The 22 records of the Vietnamese print catalogue fixture (pymarc.Record, fresh each test)."""
    with fixture_path(CATALOGUE).open("rb") as stream:
        return list(pymarc.MARCReader(stream, to_unicode=True))


def _write(path, records):
    path.write_bytes(b"".join(record.as_marc() for record in records))
    return path


def _holdings(record):
    return [(h.call_number, h.barcode, h.shelving_location) for h in record.holdings.order_by("position")]


@pytest.fixture
def queued(monkeypatch):
    """The ids each indexing task was queued with, one list per task."""
    calls = []

    class Task:
        @staticmethod
        def enqueue(ids):
            calls.append(list(ids))

    monkeypatch.setattr(importing, "reindex_catalogue_records_task", Task)
    return calls


@pytest.mark.parametrize("batch_size", [500, 2, 1])
def test_a_key_met_again_in_the_file_updates_the_record_it_made(school, records, tmp_path, batch_size):
    first, second = records[0], records[1]
    again = pymarc.Record(data=first.as_marc(), to_unicode=True)
    again["245"]["a"] = "Tiếng Việt 1 (in lần hai) :"
    again.remove_fields("852")
    again.add_field(pymarc.Field(tag="852", indicators=pymarc.Indicators(" ", " "), subfields=[
        pymarc.Subfield("a", "VN-THCS01"), pymarc.Subfield("c", "Phòng đọc"),
        pymarc.Subfield("h", "372.6 TIẾ"), pymarc.Subfield("p", "SGK09999"),
    ]))
    path = _write(tmp_path / "twice.mrc", [first, second, again, again])
    report = import_marc_files([path], school["a"], batch_size=batch_size)
    assert (report.created, report.updated, report.unchanged, report.failed) == (2, 1, 1, 0)
    assert CatalogueRecord.objects.filter(library=school["a"]).count() == 2
    stored = CatalogueRecord.objects.get(library=school["a"], control_number="VN-THCS01000001")
    assert stored.title == "Tiếng Việt 1 (in lần hai): tập một"
    assert stored.folded_text.startswith("tieng viet 1 in lan hai tap mot")
    assert _holdings(stored) == [("372.6 TIẾ", "SGK09999", "Phòng đọc")]
    assert Holding.objects.filter(record__library=school["a"]).count() == 1 + len(second.get_fields("852"))


def test_write_batch_alone_handles_a_key_met_twice(school, records):
    # write_batch raises when the database refuses a record (import_raw_records then writes the
    # batch one record at a time): a key met twice must not make it insert two rows.
    again = pymarc.Record(data=records[0].as_marc(), to_unicode=True)
    again["245"]["a"] = "Tiếng Việt 1 (in lần hai) :"
    prepared = [importing.prepare_record(pymarc.Record(data=r.as_marc(), to_unicode=True))
                for r in (records[0], records[1], again, again)]
    results = importing.write_batch(school["a"], prepared)
    assert [outcome for outcome, _pk in results] == ["created", "created", "updated", "unchanged"]
    assert results[0][1] == results[2][1] == results[3][1] != results[1][1]
    stored = CatalogueRecord.objects.get(pk=results[0][1])
    assert stored.title.startswith("Tiếng Việt 1 (in lần hai)")
    assert stored.copies == len(records[0].get_fields("852"))
    results = importing.write_batch(school["a"], prepared[2:] + prepared[:1])
    assert [outcome for outcome, _pk in results] == ["unchanged", "unchanged", "updated"]
    assert CatalogueRecord.objects.get(pk=results[0][1]).title.startswith("Tiếng Việt 1: tập một")


def test_records_updated_by_a_later_import_keep_their_pk_and_get_new_holdings(school, records, tmp_path):
    library = school["a"]
    import_marc_files([_write(tmp_path / "all.mrc", records)], library)
    pks = dict(CatalogueRecord.objects.filter(library=library).values_list("control_number", "pk"))
    records[3]["245"]["a"] = "Toán 6 (sửa) :"
    records[3].remove_fields("852")
    records[4].leader = records[4].leader[:5] + "d" + records[4].leader[6:]
    report = import_marc_files([_write(tmp_path / "changed.mrc", records)], library, batch_size=5)
    assert (report.created, report.updated, report.unchanged, report.deleted) == (0, 2, 20, 1)
    after = {r.control_number: r for r in CatalogueRecord.objects.filter(library=library)}
    assert {number: record.pk for number, record in after.items()} == pks
    changed = after[records[3]["001"].data]
    assert changed.title.startswith("Toán 6 (sửa)") and changed.copies == 0
    assert after[records[4]["001"].data].deleted
    assert Holding.objects.filter(record__library=library).count() == sum(
        len(r.get_fields("852")) for r in records)


def test_a_malformed_record_in_the_middle_of_a_batch_is_reported_and_the_batch_kept(
    school, records, tmp_path
):
    good = [record.as_marc() for record in records[:5]]
    wrong_length = b"00042" + good[4][5:]  # the leader's record length is not the record's
    path = tmp_path / "mixed.mrc"
    path.write_bytes(good[0] + good[1] + wrong_length + good[2] + good[3])
    report = import_marc_files([path], school["a"], batch_size=10)
    assert (report.created, report.failed) == (4, 1)
    failure = report.failures[0]
    assert (failure.number, failure.offset) == (3, len(good[0]) + len(good[1]))
    assert "độ dài" in failure.reason
    assert sorted(CatalogueRecord.objects.values_list("control_number", flat=True)) == [
        r["001"].data for r in records[:4]]


def test_a_record_with_a_control_character_is_reported_and_the_others_imported(school, records, tmp_path):
    records[1]["245"]["a"] = "Tiếng Việt 1 \x01:"
    report = import_marc_files([_write(tmp_path / "control.mrc", records[:3])], school["a"])
    assert (report.created, report.failed) == (2, 1)
    failure = report.failures[0]
    assert failure.number == 2 and "245" in failure.reason and "XML" in failure.reason
    assert failure.offset == len(records[0].as_marc())


def _refusing(marker):
    """A database execute wrapper that refuses (IntegrityError) a statement writing a catalogue
    record whose title starts with `marker`, as a constraint of the database would. A parameter may
    be a list of values (PostgreSQL's bulk insert passes one array per column)."""

    def values(params):
        for value in params or ():
            yield from value if isinstance(value, list | tuple) else (value,)

    def wrapper(execute, sql, params, many, context):
        if ("cataloguerecord" in sql and sql.lstrip().upper().startswith(("INSERT", "UPDATE"))
                and any(isinstance(value, str) and value.startswith(marker) for value in values(params))):
            raise IntegrityError("refused")
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.parametrize("update", [False, True])
def test_a_record_the_database_refuses_is_reported_and_the_rest_of_its_batch_kept(
    school, records, tmp_path, queued, django_capture_on_commit_callbacks, update
):
    library = school["a"]
    if update:  # the refused write is an update of a stored record
        import_marc_files([_write(tmp_path / "first.mrc", records)], library)
        queued.clear()
        for record in records[:6]:
            record["245"]["a"] = "Sửa " + record["245"]["a"]
    records[2]["245"]["a"] = "BỊ TỪ CHỐI :"
    path = _write(tmp_path / "refused.mrc", records[:6])
    with connection.execute_wrapper(_refusing("BỊ TỪ CHỐI")), \
            django_capture_on_commit_callbacks(execute=True):
        report = import_marc_files([path], library, batch_size=4)
    assert report.failed == 1
    failure = report.failures[0]
    assert (failure.number, failure.offset) == (3, sum(len(r.as_marc()) for r in records[:2]))
    assert "IntegrityError" in failure.reason
    stored = {r.control_number: r for r in CatalogueRecord.objects.filter(library=library)}
    kept = [r["001"].data for i, r in enumerate(records[:6]) if i != 2]
    if update:
        assert (report.created, report.updated) == (0, 5)
        assert all(stored[number].title.startswith("Sửa ") for number in kept)
        assert not stored[records[2]["001"].data].title.startswith("BỊ")
    else:
        assert (report.created, report.updated) == (5, 0)
        assert sorted(stored) == sorted(kept)
    for number in kept:
        assert stored[number].copies == len(records[[r["001"].data for r in records].index(number)]
                                            .get_fields("852"))
    # One task per batch (4 + 2 records), with the records that batch wrote.
    assert queued == [sorted(stored[r["001"].data].pk for r in records[:4] if r is not records[2]),
                      sorted(stored[r["001"].data].pk for r in records[4:6])]


def test_one_indexing_task_per_batch_with_its_new_and_changed_records(
    school, records, tmp_path, queued, django_capture_on_commit_callbacks
):
    library = school["a"]
    path = _write(tmp_path / "all.mrc", records)
    with django_capture_on_commit_callbacks(execute=True):
        import_marc_files([path], library, batch_size=10)
    by_number = dict(CatalogueRecord.objects.filter(library=library).values_list("control_number", "pk"))
    assert queued == [sorted(by_number[r["001"].data] for r in chunk)
                      for chunk in (records[:10], records[10:20], records[20:])]
    queued.clear()
    records[12]["245"]["a"] = "Đổi :"
    with django_capture_on_commit_callbacks(execute=True):
        report = import_marc_files([_write(path, records)], library, batch_size=10)
    assert (report.updated, report.unchanged) == (1, 21)
    assert queued == [[by_number[records[12]["001"].data]]]  # unchanged records are not indexed again
