"""Benchmark: search latency and indexing throughput at 10k and 100k materials, beside SQLite FTS5.

Corpus: real Vietnamese text from a CSV with a `context` column (ViRHE4QA,
`/work/shared/search/virhe4qa.csv`: 297 passages). Its passages are cut into sentences; each
material gets a title (the first 3 to 10 words of a sentence), a summary (one sentence) and an
extracted text of sentences drawn at random (seeded) until it is as long as a passage drawn at
random, so lengths follow the data set's (about 240 words on average).

How the materials are made (creating 100k pages through Wagtail's `add_child` and publishing them
would take hours): in a fresh installation (cms.settings.dev, SQLite, in a temporary folder), the
rows are bulk-inserted as Wagtail would leave them after publication: wagtailcore Page rows (live,
treebeard paths computed with MaterialPage._get_path under one library's index page),
repository_materialpage rows, MaterialFile rows (processing done) and, per file, a finished "text"
Derivative of the current parameters version holding the extracted text. The search index is then
built by `repository.search.indexing.rebuild_search_index` (what `manage.py rebuild_search_index`
runs: the index's `index_queryset`, `prepare` of each material, Xapian write, one transaction), timed as
the indexing throughput. At each size the database grows to that size and the index is rebuilt whole.

Queries: one to four neighbouring words taken from random passages, each asked as written and with
its diacritics removed. Measured per query, once each after a warm-up:
- Hoclieu, the search page's index work: `search_materials(AnonymousUser(), q)` paged as the view
  pages it (first page of 20 hits), the hit count and the facet counts;
- Hoclieu, the whole search view (repository.views.search.search, GET /search/?q=..., anonymous):
  the above plus the database reads, snippets, the suggestion (asked for queries typed without
  diacritics) and the template;
- the reference: an SQLite FTS5 table (`unicode61 remove_diacritics 2`) of the same title, summary
  and text (file database in the same folder), every word optional (OR), the first 20 by
  bm25 with the same field weights, and the hit count.
Also timed: the suggestion vocabulary (repository.search.suggest.vocabulary) read from the index,
which happens again after every index write.

Printed per size: p50 and p95 in milliseconds and the ratios to FTS5; materials indexed per second
for Hoclieu and for FTS5 (inserting the same rows and committing) and their ratio.

Usage: python benchmarks/bench_search_latency.py [PATH/TO/virhe4qa.csv] [--sizes 10000[,100000]]
       [--queries 100] [--keep]
"""

import argparse
import csv
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATASET = ROOT.parent / "shared" / "search" / "virhe4qa.csv"
WORD = re.compile(r"[^\W_]+")
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
SEED = 20261207
INSERT_BATCH = 500


def strip_diacritics(text):
    """`text` without Vietnamese marks, đ → d (what a reader types without a Vietnamese keyboard)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def read_passages(path):
    """The distinct passages (list of str, NFC) of the CSV's `context` column."""
    seen = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            seen.setdefault(unicodedata.normalize("NFC", row["context"].strip()), None)
    return list(seen)


def make_documents(passages, count, rng):
    """`count` (title, summary, text) of real sentences of `passages`, shuffled."""
    sentences = [s.strip(" -\t") for p in passages for s in SENTENCE_END.split(p)]
    sentences = [s for s in sentences if len(WORD.findall(s)) >= 3]
    lengths = [len(p.split()) for p in passages]
    documents = []
    for _ in range(count):
        title_words = rng.choice(sentences).split()
        title = " ".join(title_words[:rng.randint(3, 10)])
        summary = rng.choice(sentences)
        wanted, body = rng.choice(lengths), []
        while sum(len(s.split()) for s in body) < wanted:
            body.append(rng.choice(sentences))
        documents.append((title, summary, " ".join(body)))
    return documents


def make_queries(passages, count, rng):
    """`count` phrases of 1 to 4 neighbouring words of random passages (as written)."""
    queries = []
    while len(queries) < count:
        words = WORD.findall(rng.choice(passages))
        size = rng.randint(1, 4)
        if len(words) < size:
            continue
        start = rng.randrange(len(words) - size + 1)
        queries.append(" ".join(words[start:start + size]))
    return queries


def percentiles(seconds):
    """(p50, p95) in milliseconds of a list of seconds."""
    cut = statistics.quantiles(seconds, n=100, method="inclusive")
    return cut[49] * 1000, cut[94] * 1000


def timed(function, items):
    """Seconds of `function(item)` for each item."""
    out = []
    for item in items:
        start = time.perf_counter()
        function(item)
        out.append(time.perf_counter() - start)
    return out


def setup_installation(tmp):
    """Point Django at a fresh installation under `tmp`, migrate it and return the library's index page."""
    var = tmp / "var"
    for key in [k for k in os.environ if k.startswith("DJANGO_") or k == "DATABASE_URL"]:
        os.environ.pop(key)
    os.environ.update(DJANGO_SETTINGS_MODULE="cms.settings.dev", HOCLIEU_VAR_DIR=str(var),
                      HOCLIEU_SEARCH_INDEX_PATH=str(var / "search_index"))
    import django

    django.setup()
    from django.core.management import call_command

    from repository.models import Library
    from repository.roles import setup_library

    call_command("migrate", "--no-input", verbosity=0)
    return setup_library(Library.objects.create(name="Trường đo", code="BENCH"))


def insert_materials(index_page, documents, start_number):
    """Bulk-insert published MaterialPages (with their MaterialFile and finished text Derivative)
    for `documents` under `index_page`, numbered from `start_number`. See the module docstring."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from wagtail.models import Locale, Page

    from repository.models import Derivative, MaterialFile, MaterialPage
    from repository.models.derivatives import DerivativeStatus, params_version

    index_page.refresh_from_db()
    page_fields = Page._meta.local_concrete_fields
    material_fields = MaterialPage._meta.local_concrete_fields
    content_type = ContentType.objects.get_for_model(MaterialPage)
    locale = Locale.get_default()
    version = params_version("text")
    collection = index_page.library.collection
    next_id = (Page.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    step = index_page.numchild
    base_time = datetime(2025, 9, 5, tzinfo=UTC)
    with transaction.atomic():
        for offset in range(0, len(documents), INSERT_BATCH):
            batch = documents[offset:offset + INSERT_BATCH]
            files = MaterialFile.objects.bulk_create([
                MaterialFile(title=title[:255], file=f"documents/bench-{start_number + offset + i}.docx",
                             collection=collection, sha256=f"{start_number + offset + i:064x}",
                             processing_status="done", media_kind="document")
                for i, (title, _summary, _text) in enumerate(batch)
            ])
            Derivative.objects.bulk_create([
                Derivative(material_file=material_file, kind="text", input_sha256=material_file.sha256,
                           params_version=version, status=DerivativeStatus.DONE,
                           metadata={"page_count": 1, "page_texts": [text], "full_text": text})
                for material_file, (_t, _s, text) in zip(files, batch, strict=True)
            ])
            pages = []
            for material_file, (title, summary, _text) in zip(files, batch, strict=True):
                step += 1
                number = start_number + offset + len(pages)
                slug = f"hoc-lieu-{number}"
                published = base_time + timedelta(minutes=number)
                pages.append(MaterialPage(
                    id=next_id, page_ptr_id=next_id, path=MaterialPage._get_path(
                        index_page.path, index_page.depth + 1, step),
                    depth=index_page.depth + 1, numchild=0, title=title[:255], draft_title=title[:255],
                    slug=slug, url_path=f"{index_page.url_path}{slug}/", content_type=content_type,
                    live=True, has_unpublished_changes=False, first_published_at=published,
                    last_published_at=published, live_revision=None, locale=locale,
                    translation_key=uuid.uuid4(), material_type="lesson_plan", subject="literature",
                    grade=6 + number % 7, summary=summary, access_level="public",
                    school_year="2025-2026", file=material_file, library=index_page.library,
                ))
                next_id += 1
            Page.objects._insert(pages, fields=page_fields, raw=True)
            MaterialPage.objects._insert(pages, fields=material_fields, raw=True)
        Page.objects.filter(pk=index_page.pk).update(numchild=step)


def build_fts5(path, documents):
    """An FTS5 table of `documents` in a file database at `path`; returns (connection, seconds)."""
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE material USING fts5(title, summary, body, "
               "tokenize='unicode61 remove_diacritics 2')")
    db.commit()
    start = time.perf_counter()
    db.executemany("INSERT INTO material(rowid, title, summary, body) VALUES (?, ?, ?, ?)",
                   ((number, *document) for number, document in enumerate(documents, 1)))
    db.commit()
    return db, time.perf_counter() - start


def fts5_search(db, query):
    """The first 20 rowids by bm25 (title, summary, text weighted as FIELD_WEIGHTS) and the hit count."""
    words = WORD.findall(unicodedata.normalize("NFC", query))
    match = " OR ".join('"' + word + '"' for word in words)
    rows = db.execute("SELECT rowid FROM material WHERE material MATCH ? "
                      "ORDER BY bm25(material, 4.0, 1.5, 1.0) LIMIT 20", (match,)).fetchall()
    count = db.execute("SELECT count(*) FROM material WHERE material MATCH ?", (match,)).fetchone()[0]
    return rows, count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", default=str(DEFAULT_DATASET),
                        help=f"CSV with a column context (default: {DEFAULT_DATASET})")
    parser.add_argument("--sizes", default="10000",
                        help="numbers of materials, comma-separated, ascending (default 10000; the "
                             "issue's second size is --sizes 10000,100000, hours of indexing on 2 CPUs)")
    parser.add_argument("--queries", type=int, default=100,
                        help="phrases, each asked with and without diacritics (default 100)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary installation")
    args = parser.parse_args()
    if not Path(args.dataset).is_file():
        raise SystemExit(f"No data set at {args.dataset}: give the path of virhe4qa.csv.")
    sizes = sorted(int(size) for size in args.sizes.split(","))
    rng = random.Random(SEED)
    passages = read_passages(args.dataset)
    documents = make_documents(passages, sizes[-1], rng)
    phrases = make_queries(passages, args.queries, rng)
    queries = [q for phrase in phrases for q in (phrase, strip_diacritics(phrase))]

    tmp = Path(tempfile.mkdtemp(prefix="hoclieu-bench-latency-"))
    try:
        index_page = setup_installation(tmp)
        from django.contrib.auth.models import AnonymousUser
        from django.test import RequestFactory

        from repository.search import suggest
        from repository.search.indexing import rebuild_search_index
        from repository.search.query import results_page, search_materials
        from repository.views.search import RESULTS_PER_PAGE, search

        anonymous = AnonymousUser()
        factory = RequestFactory()

        def index_work(query):
            sqs = search_materials(anonymous, query)
            page = results_page(sqs, 1, RESULTS_PER_PAGE)
            list(page.object_list)
            return page.paginator.count, sqs.facet_counts()

        def whole_view(query):
            request = factory.get("/search/", {"q": query})
            request.user = anonymous
            response = search(request)
            assert response.status_code == 200, response.status_code

        print(f"data set: {Path(args.dataset).name}: {len(passages)} passages; "
              f"{len(queries)} queries ({len(phrases)} phrases of 1-4 words, with and without diacritics)")
        made = 0
        for size in sizes:
            started = time.perf_counter()
            insert_materials(index_page, documents[made:size], made)
            inserted = time.perf_counter() - started
            made = size

            started = time.perf_counter()
            written = rebuild_search_index()
            indexing = time.perf_counter() - started
            db, fts_indexing = build_fts5(tmp / f"fts5-{size}.sqlite3", documents[:size])

            started = time.perf_counter()
            suggest._cache.clear()
            vocabulary = suggest.vocabulary()
            vocabulary_seconds = time.perf_counter() - started

            for query in queries[:10]:  # warm-up: file caches, haystack's loaded index, templates
                index_work(query)
                whole_view(query)
                fts5_search(db, query)
            ours = timed(index_work, queries)
            view = timed(whole_view, queries)
            reference = timed(lambda q, db=db: fts5_search(db, q), queries)
            db.close()

            ref50, ref95 = percentiles(reference)
            print(f"\n{size:,} materials ({written:,} documents; rows inserted in {inserted:.0f} s)")
            print(f"{'':<52}{'p50 ms':>9}{'p95 ms':>9}{'p50/FTS5':>10}{'p95/FTS5':>10}")
            label = "SQLite FTS5 bm25, OR of the words (ref.)"
            print(f"{label:<52}{ref50:>9.2f}{ref95:>9.2f}{1:>10.2f}{1:>10.2f}")
            for label, figures in (("Hoclieu search_materials: page of 20, count, facets", ours),
                                   ("Hoclieu whole search view (anonymous)", view)):
                p50, p95 = percentiles(figures)
                print(f"{label:<52}{p50:>9.2f}{p95:>9.2f}{p50 / ref50:>10.1f}{p95 / ref95:>10.1f}")
            halves = (("as written", slice(0, None, 2)), ("without diacritics", slice(1, None, 2)))
            for label, subset in halves:
                p50, p95 = percentiles(ours[subset])
                r50, r95 = percentiles(reference[subset])
                label = "  search_materials, " + label
                print(f"{label:<52}{p50:>9.2f}{p95:>9.2f}{p50 / r50:>10.1f}{p95 / r95:>10.1f}")
            ours_rate, ref_rate = written / indexing, size / fts_indexing
            print(f"indexing: Hoclieu rebuild_search_index {ours_rate:,.0f} materials/s ({indexing:.0f} s); "
                  f"FTS5 {ref_rate:,.0f} materials/s ({fts_indexing:.1f} s); "
                  f"ratio {ours_rate / ref_rate:.3f}")
            print(f"suggestion vocabulary read from the index: {vocabulary_seconds:.2f} s "
                  f"({len(vocabulary):,} folded syllables)")
            sys.stdout.flush()
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
