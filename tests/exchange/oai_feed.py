"""A canned OAI-PMH 2.0 provider on loopback for the harvester's tests: real HTTP, pages we control.

`OaiFeed` serves Identify (with the deletedRecord policy given) and ListRecords pages set by the test
(`pages`: a list of lists of record
XML strings; each page but the last gets a resumptionToken naming the next one); a page may be
replaced by an HTTP status to fail there. Every request's arguments and Authorization header are
kept in `requests`.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from pymarc import Field, Indicators, Record, Subfield, record_to_xml

OAI_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>{date}</responseDate>'
            '<request>http://127.0.0.1/oai/</request>')


def marc_record(control_number, title, org="VN-THUTHU", access_indicator=None, isbn=None):
    """A MARC 21 bibliographic record (pymarc.Record): 001/003, 245 $a, optional 020 and 506."""
    record = Record(force_utf8=True, leader="00000nam a2200000 a 4500")
    if control_number:
        record.add_field(Field(tag="001", data=control_number), Field(tag="003", data=org))
    if isbn:
        record.add_field(Field(tag="020", indicators=Indicators(" ", " "), subfields=[Subfield("a", isbn)]))
    record.add_field(Field(tag="245", indicators=Indicators("0", "0"), subfields=[Subfield("a", title)]))
    if access_indicator is not None:
        record.add_field(Field(tag="506", indicators=Indicators(access_indicator, " "),
                               subfields=[Subfield("a", "Ghi chú truy cập.")]))
    return record


def oai_record(identifier, datestamp, marc=None, deleted=False, metadata_xml=None):
    """The <record> of a ListRecords page (str): a tombstone header when `deleted`, else the header
    and `marc` (pymarc.Record) as MARCXML in <metadata>, or `metadata_xml` as it is."""
    status = ' status="deleted"' if deleted else ""
    header = (f"<header{status}><identifier>{identifier}</identifier>"
              f"<datestamp>{datestamp}</datestamp></header>")
    if deleted:
        return f"<record>{header}</record>"
    body = metadata_xml if metadata_xml is not None else record_to_xml(marc, namespace=True).decode()
    return f"<record>{header}<metadata>{body}</metadata></record>"


class OaiFeed:
    """The canned provider; `url` is its baseURL once started (a context manager)."""

    def __init__(self, response_date="2026-03-01T08:00:00Z", granularity="YYYY-MM-DDThh:mm:ssZ",
                 deleted_record="persistent"):
        self.response_date = response_date
        self.granularity = granularity
        self.deleted_record = deleted_record
        self.pages = [[]]
        self.requests = []
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                arguments = {key: values[0] for key, values in parse_qs(urlparse(self.path).query).items()}
                feed.requests.append({**arguments, "authorization": self.headers.get("Authorization", "")})
                status, body = feed.answer(arguments)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oai/"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def answer(self, arguments):
        head = OAI_HEAD.format(date=self.response_date)
        if arguments.get("verb") == "Identify":
            return 200, (f"{head}<Identify><repositoryName>Thử</repositoryName><baseURL>{self.url}</baseURL>"
                         "<protocolVersion>2.0</protocolVersion><adminEmail>a@b.vn</adminEmail>"
                         "<earliestDatestamp>2020-01-01T00:00:00Z</earliestDatestamp>"
                         f"<deletedRecord>{self.deleted_record}</deletedRecord><granularity>{self.granularity}"
                         "</granularity></Identify></OAI-PMH>")
        number = int(arguments.get("resumptionToken", "0"))
        page = self.pages[number]
        if isinstance(page, int):
            return page, "<html>server error</html>"
        if not page:
            return 200, f'{head}<error code="noRecordsMatch">Không có.</error></OAI-PMH>'
        token = ""
        if number + 1 < len(self.pages):
            token = f'<resumptionToken completeListSize="99" cursor="0">{number + 1}</resumptionToken>'
        elif number:
            token = '<resumptionToken completeListSize="99" cursor="0"/>'
        return 200, f"{head}<ListRecords>{''.join(page)}{token}</ListRecords></OAI-PMH>"

    def list_requests(self):
        return [request for request in self.requests if request.get("verb") == "ListRecords"]
