"""Benchmark: OAI-PMH list pages at the start and deep in the list: ListIdentifiers over 100k records,
ListRecords over up to 100k real materials.

A temporary SQLite database (cms.settings.test, migrated here) gets N OaiRecord rows (default
100,000) of the public audience, bulk inserted with one datestamp per 10 rows (ties broken by id).
Measured: exchange.oai.respond for `ListIdentifiers` (headers only: no metadata is built; the page's
live rows are checked against the materials the audience may see, one query on their ids; these
rows have no materials, so they come out as deleted headers, their warnings silenced) on the first
page and on the page at offset 0.9×N, reached by the resumption token a harvester would hold there
(the key of the row before it). Reference, in the same
run: the same page selected by offset (ORDER BY datestamp, id LIMIT size OFFSET k), the way an
offset-paged provider reads it. Printed: seconds per page and the ratio deep/first for each.

Then ListRecords (metadataPrefix marcxml: the MARC record of each material is built) over M real
public materials of one library (default 2,000). They are bulk-inserted as published pages by
bench_search_latency.insert_materials (wagtailcore Page rows with treebeard paths, MaterialPage
rows, MaterialFile rows with processing done and a finished text Derivative each; adding 100k pages
through Wagtail one at a time would take hours), given creators and a DDC number by one queryset
update, and their OaiRecord rows are written by exchange.records.backfill (what `manage.py
oai_sync` runs), since bulk inserts send no signals; the seconds of both are printed. The first
page is checked to hold min(100, M) full records (no deleted headers). Timed: the first page and
the page at offset 0.9×M, beside the offset-paged query of the same table; and ListIdentifiers over
the same materials (the visibility check finding them).
Run: python benchmarks/bench_oai.py [--records N] [--materials M] [--database-url URL]
"""

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
TMP = Path(tempfile.mkdtemp(prefix="hoclieu-bench-oai-"))
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--records", type=int, default=100_000)
parser.add_argument("--materials", type=int, default=2_000)
parser.add_argument("--database-url", default=f"sqlite:///{TMP / 'bench.sqlite3'}")
ARGS = parser.parse_args()
os.environ["DATABASE_URL"] = ARGS.database_url
os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"

import django  # noqa: E402

django.setup()

from bench_search_latency import insert_materials  # noqa: E402
from common import best_of  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.http import QueryDict  # noqa: E402

from exchange.models import AUDIENCE_PUBLIC, OaiRecord  # noqa: E402
from exchange.oai import issue_token, page_size, respond  # noqa: E402
from exchange.records import backfill  # noqa: E402
from repository.models import Library, MaterialPage  # noqa: E402
from repository.roles import setup_library  # noqa: E402

BASE_URL = "http://127.0.0.1:8000/oai/"
START = datetime(2026, 1, 1, tzinfo=UTC)


def fill(count):
    OaiRecord.objects.all().delete()
    batch = [
        OaiRecord(page_id=n + 1, audience=AUDIENCE_PUBLIC, datestamp=START + timedelta(seconds=n // 10),
                  library_code="THCS-ND", material_type="lesson_plan", subject="toan")
        for n in range(count)
    ]
    OaiRecord.objects.bulk_create(batch, batch_size=5000)


def make_materials(count):
    """`count` live public MaterialPages of one library, bulk-inserted by
    bench_search_latency.insert_materials (Page and MaterialPage rows, each with its MaterialFile and
    finished text Derivative), then given the creators and DDC number of a catalogued lesson plan (one
    queryset update) and their OaiRecords by exchange.records.backfill (bulk inserts send no signals).
    Returns the seconds of the insert and of the backfill."""
    library = Library.objects.create(name="Trường đo OAI", code="BENCH-OAI", province="Hà Nội")
    index = setup_library(library)
    documents = [(f"Giáo án số {number}: ôn tập phân số", "Ôn tập phân số. " * 20,
                  "Phân số là số viết được dưới dạng a/b. " * 40) for number in range(count)]
    start = time.perf_counter()
    insert_materials(index, documents, 0)
    MaterialPage.objects.filter(library=library).update(creators="Nguyễn Thị Lan\nTrần Văn Bình",
                                                        ddc="372.7")
    inserted = time.perf_counter() - start
    start = time.perf_counter()
    with transaction.atomic():
        backfill()
    return inserted, time.perf_counter() - start


def deep_token(offset, count, prefix):
    """The resumption token a harvester holds after `offset` records of the public list."""
    ordered = OaiRecord.objects.filter(audience=AUDIENCE_PUBLIC).order_by("datestamp", "id")
    before = ordered[offset - 1]
    return issue_token({
        "audience": AUDIENCE_PUBLIC, "arguments": {"metadataPrefix": prefix}, "size": count,
        "cursor": offset, "last": [int(before.datestamp.timestamp()), before.pk],
    }), ordered[offset]


def list_identifiers(arguments, verb="ListIdentifiers"):
    query = QueryDict(mutable=True)
    query.update({"verb": verb, **arguments})
    body = respond(query, AUDIENCE_PUBLIC, BASE_URL, START)
    assert b"<header" in body, body[:500]
    return body


def offset_page(offset):
    rows = OaiRecord.objects.filter(audience=AUDIENCE_PUBLIC).order_by("datestamp", "id")
    return list(rows[offset: offset + page_size()])


def main():
    call_command("migrate", verbosity=0)
    logging.getLogger("hoclieu.oai").setLevel(logging.ERROR)  # the materialless rows' warnings
    fill(ARGS.records)
    size = page_size()
    offset = int(ARGS.records * 0.9)
    token, at_offset = deep_token(offset, ARGS.records, "oai_dc")
    first, _ = best_of(5, lambda: list_identifiers({"metadataPrefix": "oai_dc"}))
    deep, body = best_of(5, lambda: list_identifiers({"resumptionToken": token}))
    assert f"material/{at_offset.page_id}<".encode() in body
    ref_first, _ = best_of(5, lambda: offset_page(0))
    ref_deep, _ = best_of(5, lambda: offset_page(offset))
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"OAI-PMH ListIdentifiers, {ARGS.records:,} records, {size} a page, {engine}")
    print(f"  key paging (whole response): first page {first * 1000:.1f} ms, offset {offset:,}: "
          f"{deep * 1000:.1f} ms, deep/first {deep / first:.2f}")
    print(f"  reference, offset paging (query only): first page {ref_first * 1000:.1f} ms, "
          f"offset {offset:,}: "
          f"{ref_deep * 1000:.1f} ms, deep/first {ref_deep / ref_first:.2f}")
    print(f"  at offset {offset:,}: key-paged response / offset-paged query = {deep / ref_deep:.2f}")

    OaiRecord.objects.all().delete()
    inserted, filled = make_materials(ARGS.materials)
    assert OaiRecord.objects.filter(audience=AUDIENCE_PUBLIC, deleted=False).count() == ARGS.materials
    print(f"{ARGS.materials:,} materials bulk-inserted in {inserted:.1f} s, "
          f"their OaiRecords written by backfill in {filled:.1f} s")
    offset = int(ARGS.materials * 0.9)
    token, at_offset = deep_token(offset, ARGS.materials, "marcxml")
    list_identifiers({"metadataPrefix": "marcxml"}, "ListRecords")  # warm caches (site, content types)
    first, body = best_of(3, lambda: list_identifiers({"metadataPrefix": "marcxml"}, "ListRecords"))
    assert body.count(b"<record>") == min(size, ARGS.materials), body[:1000]
    assert body.count(b"<leader>") == min(size, ARGS.materials), body[:1000]
    assert b'status="deleted"' not in body, body[:1000]
    deep, body = best_of(3, lambda: list_identifiers({"resumptionToken": token}, "ListRecords"))
    assert f"HL{at_offset.page_id:08d}".encode() in body
    ref_first, _ = best_of(3, lambda: offset_page(0))
    ref_deep, _ = best_of(3, lambda: offset_page(offset))
    print(f"OAI-PMH ListRecords marcxml, {ARGS.materials:,} materials, {size} a page, {engine}")
    print(f"  key paging (whole response): first page {first * 1000:.1f} ms, offset {offset:,}: "
          f"{deep * 1000:.1f} ms, deep/first {deep / first:.2f}")
    print(f"  reference, offset paging (query only): first page {ref_first * 1000:.1f} ms, "
          f"offset {offset:,}: {ref_deep * 1000:.1f} ms, deep/first {ref_deep / ref_first:.2f}")
    ids_first, body = best_of(5, lambda: list_identifiers({"metadataPrefix": "marcxml"}))
    assert b'status="deleted"' not in body
    ids_deep, _ = best_of(5, lambda: list_identifiers({"resumptionToken": token}))
    print(f"OAI-PMH ListIdentifiers, the same {ARGS.materials:,} materials: first page "
          f"{ids_first * 1000:.1f} ms, offset {offset:,}: {ids_deep * 1000:.1f} ms")


if __name__ == "__main__":
    try:
        main()
    finally:  # the database and media of a 100k run take about 1 GB
        shutil.rmtree(TMP, ignore_errors=True)
