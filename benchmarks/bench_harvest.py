"""Benchmark: a full OAI-PMH harvest (`harvest_oai --full`, exchange.harvesting) of N MARCXML records.

Provider: N records (the 22 records of fixtures/marc/thcs_print_catalogue_nfc.mrc in turn, each with
a new 001: HARV0000001, ...) pre-rendered as ListRecords pages of 100 (metadataPrefix marcxml) with
resumption tokens, served over HTTP on loopback by a threaded http.server, so the provider's own cost
is next to nothing and what is measured is the harvester.
Harvester: a fresh SQLite database (cms.settings.test, migrated here); the search indexing tasks the
harvest queues per page and the quality check it queues at the end are not run (the worker's job, as
in bench_marc_import.py).

Measured in the same run:
- harvest: exchange.harvesting.harvest_source(full=True) into an empty union catalogue;
- reference 1: oaipmh-scythe alone fetching and parsing the same pages (OAIResponseIterator, every
  <record> found), storing nothing: the floor of any harvester built on it;
- reference 2: repository.catalogue.importing.import_marc_files of the same N records from one
  MARCXML file into another library (the print catalogue import, same record upsert).
Printed: records per second of each, and the ratios harvest / scythe and harvest / import (time).
Run: python benchmarks/bench_harvest.py [--records N]   (default 10000)
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SOURCE = ROOT / "fixtures" / "marc" / "thcs_print_catalogue_nfc.mrc"
PAGE = 100
TMP = Path(tempfile.mkdtemp(prefix="hoclieu-bench-harvest-"))
os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"
os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
os.environ["HOCLIEU_SEARCH_INDEX_PATH"] = str(TMP / "search_index")

import django  # noqa: E402
import pymarc  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oaipmh_scythe import Scythe  # noqa: E402
from oaipmh_scythe.iterator import OAIResponseIterator  # noqa: E402

OAI_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            '<responseDate>2026-03-01T08:00:00Z</responseDate><request>http://127.0.0.1/oai/</request>')
IDENTIFY = (OAI_HEAD + "<Identify><repositoryName>Bench</repositoryName><baseURL>http://127.0.0.1/oai/</baseURL>"
            "<protocolVersion>2.0</protocolVersion><adminEmail>a@b.vn</adminEmail>"
            "<earliestDatestamp>2026-01-01T00:00:00Z</earliestDatestamp><deletedRecord>persistent</deletedRecord>"
            "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify></OAI-PMH>").encode()


def generate(count):
    """(list of ListRecords page bytes, MARCXML file path) of `count` records."""
    with SOURCE.open("rb") as stream:
        templates = list(pymarc.MARCReader(stream, to_unicode=True))
    records_xml = []
    for number in range(count):
        record = templates[number % len(templates)]
        record["001"].data = f"HARV{number:07d}"
        records_xml.append(pymarc.record_to_xml(record, namespace=True).decode())
    pages = []
    for start in range(0, count, PAGE):
        body = "".join(
            f"<record><header><identifier>oai:bench:{start + n}</identifier>"
            f"<datestamp>2026-02-01T00:00:00Z</datestamp></header><metadata>{xml}</metadata></record>"
            for n, xml in enumerate(records_xml[start:start + PAGE])
        )
        following = start // PAGE + 1
        attributes = f'completeListSize="{count}" cursor="{start}"'
        token = (f"<resumptionToken {attributes}>{following}</resumptionToken>" if start + PAGE < count
                 else f"<resumptionToken {attributes}/>")
        pages.append((OAI_HEAD + f"<ListRecords>{body}{token}</ListRecords></OAI-PMH>").encode())
    path = TMP / "records.xml"
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?><collection xmlns="http://www.loc.gov/MARC21/slim">')
        for xml in records_xml:
            out.write(xml.replace(' xmlns="http://www.loc.gov/MARC21/slim"', "", 1))
        out.write("</collection>")
    return pages, path


def serve(pages):
    """Start the canned provider; returns its baseURL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            arguments = {key: values[0] for key, values in parse_qs(urlparse(self.path).query).items()}
            if arguments.get("verb") == "Identify":
                body = IDENTIFY
            else:
                body = pages[int(arguments.get("resumptionToken", 0))]
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/oai/"


def scythe_alone(url):
    """(seconds, records) of oaipmh-scythe fetching and parsing every page, storing nothing."""
    start = time.perf_counter()
    count = 0
    with Scythe(url, iterator=OAIResponseIterator) as scythe:
        for response in scythe.list_records(metadata_prefix="marcxml"):
            count += len(response.xml.findall(".//{http://www.openarchives.org/OAI/2.0/}record"))
    return time.perf_counter() - start, count


class _Queued:
    """Stands for the indexing and quality-check tasks: in production they are queued for the worker,
    not run here."""

    @staticmethod
    def enqueue(ids):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    apps.get_app_config("haystack").signal_processor.teardown()
    from exchange import harvesting
    from exchange.models import HarvestSource
    from repository.catalogue import importing
    from repository.models import CatalogueRecord, Library

    harvesting.reindex_catalogue_records_task = _Queued
    harvesting.check_changed_catalogue_records_task = _Queued
    importing.reindex_catalogue_records_task = _Queued

    pages, marcxml_path = generate(args.records)
    url = serve(pages)
    hub = Library.objects.create(name="Thư viện đầu mối", code="HUB")
    member = Library.objects.create(name="Trường thành viên", code="MEMBER")
    printed = Library.objects.create(name="Trường nhập tệp", code="FILE")
    source = HarvestSource.objects.create(name="bench", base_url=url, receiving_library=hub,
                                          member_library=member)

    scythe_seconds, scythe_count = scythe_alone(url)
    start = time.perf_counter()
    run = harvesting.harvest_source(source, full=True)
    harvest_seconds = time.perf_counter() - start
    start = time.perf_counter()
    report = importing.import_marc_files([marcxml_path], printed)
    import_seconds = time.perf_counter() - start

    stored = CatalogueRecord.objects.filter(library=member).count()
    n = args.records
    print(f"{n:,} records, {len(pages)} pages of {PAGE} ({sum(map(len, pages)) / 2**20:.1f} MiB of XML)")
    print(f"harvest_oai --full: {harvest_seconds:.1f} s, {n / harvest_seconds:,.0f} records/s "
          f"(status {run.status}, {run.created} new, {run.failed} failed, {stored} stored)")
    print(f"oaipmh-scythe alone (fetch + parse, {scythe_count} records): {scythe_seconds:.1f} s, "
          f"{n / scythe_seconds:,.0f} records/s")
    print(f"import_marc of the same records (MARCXML file): {import_seconds:.1f} s, "
          f"{n / import_seconds:,.0f} records/s ({report.created} created, {report.failed} failed)")
    print(f"ratio (time): harvest / scythe {harvest_seconds / scythe_seconds:.1f}×; "
          f"harvest / import_marc {harvest_seconds / import_seconds:.2f}×")


if __name__ == "__main__":
    main()
