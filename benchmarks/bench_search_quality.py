"""Benchmark: search quality on a Vietnamese retrieval set, beside SQLite FTS5 bm25 in the same run.

The data set is a CSV with columns `context` (a passage) and `question` (e.g. ViRHE4QA,
`../shared/search/virhe4qa.csv`: 1,000 questions over 297 passages). Each distinct passage becomes a
DOCX file; the files go through the real pipeline into a fresh installation (cms.settings.dev,
SQLite, in a temporary folder): `manage.py import_materials --publish --no-wait`, then
`manage.py db_worker --batch` extracts their text and publishes them, then the search index is
rebuilt. Each question is then asked through the search page's code path
(repository.search.query.search_materials, as an anonymous reader), as written and with its
diacritics removed. The reference is SQLite FTS5 (`unicode61 remove_diacritics 2`) ranking the same
passages with bm25 for the same questions, every word optional (OR), in the same run.

Printed: precision at 1 (the right passage first) and mean reciprocal rank over the first 10, for
both, with and without diacritics, and the ratio Hoclieu / FTS5.

Usage: python benchmarks/bench_search_quality.py [PATH/TO/virhe4qa.csv] [--limit N] [--keep]
"""

import argparse
import csv
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATASET = ROOT.parent / "shared" / "search" / "virhe4qa.csv"
WORD = re.compile(r"[^\W_]+")


def strip_diacritics(text):
    """`text` without Vietnamese marks, đ → d (what a reader types without a Vietnamese keyboard)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def read_dataset(path, limit=None):
    """(passages: list of str, questions: list of (question, passage index))."""
    passages, index, questions = [], {}, []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            context = row["context"].strip()
            if context not in index:
                index[context] = len(passages)
                passages.append(context)
            questions.append((row["question"].strip(), index[context]))
    if limit:
        questions = questions[:limit]
    return passages, questions


def scores(ranks):
    """(P@1, MRR@10) of a list of 1-based ranks (None: not in the first 10)."""
    p1 = sum(1 for rank in ranks if rank == 1) / len(ranks)
    mrr = sum(1 / rank for rank in ranks if rank) / len(ranks)
    return p1, mrr


def rank_of(ids, wanted):
    ids = list(ids)[:10]
    return ids.index(wanted) + 1 if wanted in ids else None


def fts5_ranks(passages, questions, strip):
    """Ranks of the right passage under SQLite FTS5 bm25, every word of the question optional."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE passage USING fts5(body, tokenize='unicode61 remove_diacritics 2')")
    db.executemany("INSERT INTO passage(rowid, body) VALUES (?, ?)", enumerate(passages))
    ranks = []
    for question, wanted in questions:
        text = strip_diacritics(question) if strip else question
        words = WORD.findall(unicodedata.normalize("NFC", text))
        if not words:
            ranks.append(None)
            continue
        match = " OR ".join('"' + word.replace('"', "") + '"' for word in words)
        ids = [row[0] for row in db.execute(
            "SELECT rowid FROM passage WHERE passage MATCH ? ORDER BY bm25(passage) LIMIT 10", (match,))]
        ranks.append(rank_of(ids, wanted))
    return ranks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", default=str(DEFAULT_DATASET),
                        help=f"CSV with columns context, question (default: {DEFAULT_DATASET})")
    parser.add_argument("--limit", type=int, help="ask only the first N questions")
    parser.add_argument("--keep", action="store_true", help="keep the temporary installation")
    args = parser.parse_args()
    if not Path(args.dataset).is_file():
        raise SystemExit(f"No data set at {args.dataset}: give the path of virhe4qa.csv.")
    passages, questions = read_dataset(args.dataset, args.limit)

    tmp = Path(tempfile.mkdtemp(prefix="hoclieu-bench-search-"))
    var = tmp / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="cms.settings.dev", HOCLIEU_VAR_DIR=str(var),
               HOCLIEU_SEARCH_INDEX_PATH=str(var / "search_index"), PYTHONUNBUFFERED="1",
               HOCLIEU_SOFFICE="")  # no PDF previews of the DOCX files: search reads their text only
    os.environ.update(env)
    os.environ.pop("DATABASE_URL", None)

    def manage(*command):
        result = subprocess.run([sys.executable, "manage.py", *map(str, command)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=3600)
        if result.returncode != 0:
            raise SystemExit(f"manage.py {command[0]} failed:\n"
                             f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}")

    try:
        import docx

        folder = tmp / "passages"
        folder.mkdir()
        for number, passage in enumerate(passages):
            document = docx.Document()
            for line in passage.splitlines():
                document.add_paragraph(line)
            document.save(folder / f"doan-{number:04d}.docx")
        manage("migrate", "--no-input", "-v0")
        manage("shell", "-c", "from repository.models import Library; from repository.roles import "
               "setup_library; setup_library(Library.objects.create(name='Trường đo', code='BENCH'))")
        started = time.perf_counter()
        manage("import_materials", folder, "--library", "BENCH", "--type", "digitised", "--access", "public",
               "--publish", "--no-wait")
        manage("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
        imported = time.perf_counter() - started

        import django

        django.setup()
        from django.contrib.auth.models import AnonymousUser

        from repository.models import MaterialPage
        from repository.search.indexing import rebuild_search_index
        from repository.search.query import search_materials

        started = time.perf_counter()
        rebuild_search_index()
        indexed = time.perf_counter() - started
        passage_of = {}
        for page in MaterialPage.objects.live().select_related("file"):
            passage_of[page.pk] = int(Path(page.file.file.name).stem.split("-")[1].split("_")[0])
        if len(passage_of) != len(passages):
            raise SystemExit(f"{len(passage_of)} of {len(passages)} passages were published")

        def hoclieu_ranks(strip):
            ranks = []
            for question, wanted in questions:
                text = strip_diacritics(question) if strip else question
                hits = search_materials(AnonymousUser(), text)[:10]
                ranks.append(rank_of([passage_of.get(int(hit.pk)) for hit in hits], wanted))
            return ranks

        started = time.perf_counter()
        results = {}
        for strip in (False, True):
            results[strip] = (scores(hoclieu_ranks(strip)), scores(fts5_ranks(passages, questions, strip)))
        asked = time.perf_counter() - started
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"data set: {Path(args.dataset).name}: {len(questions)} questions over {len(passages)} passages")
    print(f"import + pipeline {imported:.0f} s, index rebuild {indexed:.1f} s, "
          f"{2 * len(questions)} Hoclieu queries and as many FTS5 ones {asked:.0f} s")
    print(f"{'':<38}{'P@1':>8}{'MRR@10':>9}{'P@1 / FTS5':>12}")
    for strip, label in ((False, "as written"), (True, "without diacritics")):
        (ours_p1, ours_mrr), (ref_p1, ref_mrr) = results[strip]
        print(f"{'FTS5 bm25, ' + label + ' (ref.)':<38}{ref_p1:>8.1%}{ref_mrr:>9.3f}{1:>12.2f}")
        print(f"{'Hoclieu, ' + label:<38}{ours_p1:>8.1%}{ours_mrr:>9.3f}{ours_p1 / ref_p1:>12.2f}")


if __name__ == "__main__":
    main()
