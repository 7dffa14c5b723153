"""Fixtures of the OAI-PMH tests: quick materials (a one-page PDF, no media pipeline), requests to
/oai/ whose every answer is validated with xmllint against the OAI-PMH 2.0 schemas in fixtures/xsd."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from lxml import etree

from tests.helpers import tiny_pdf

XSD = Path(__file__).resolve().parents[2] / "fixtures" / "xsd"
NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "marc": "http://www.loc.gov/MARC21/slim",
}


def validate(body):
    """Validate `body` (bytes) with `xmllint --schema fixtures/xsd/oai-wrapper.xsd`, offline (the
    catalog maps the W3C xml.xsd to its local copy); fails the test on any error."""
    xmllint = shutil.which("xmllint")
    assert xmllint, "xmllint (Debian libxml2-utils, installed by make install) is missing"
    with tempfile.NamedTemporaryFile(suffix=".xml") as handle:
        handle.write(body)
        handle.flush()
        result = subprocess.run(
            [xmllint, "--nonet", "--noout", "--schema", str(XSD / "oai-wrapper.xsd"), handle.name],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "XML_CATALOG_FILES": str(XSD / "catalog.xml")},
        )
    assert result.returncode == 0, result.stderr + body.decode()[:3000]


@pytest.fixture
def oai(client):
    """oai(method="get", token=None, **arguments) -> lxml root of the /oai/ answer, validated; the
    HttpResponse is kept as oai.last_response."""

    def _oai(method="get", token=None, **arguments):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        response = getattr(client, method)("/oai/", arguments, **headers)
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/xml")
        validate(response.content)
        root = etree.fromstring(response.content)
        _oai.last_response = response
        return root

    return _oai


def error_code(root):
    """The code of the first <error> of an OAI-PMH answer, or None."""
    codes = root.xpath("oai:error/@code", namespaces=NS)
    return codes[0] if codes else None


def identifiers(root):
    """The identifiers of the headers in an answer (list of str), deleted ones included."""
    return root.xpath("//oai:header/oai:identifier/text()", namespaces=NS)


def deleted_identifiers(root):
    return root.xpath("//oai:header[@status='deleted']/oai:identifier/text()", namespaces=NS)


@pytest.fixture
def material(school):
    """material(title, parent=None, publish=True, **fields) -> a published MaterialPage holding a
    one-page PDF (the media pipeline is not run: its task waits for a commit that never comes)."""
    from repository.models import MaterialFile, MaterialPage
    from repository.roles import library_collection

    def _make(title, parent=None, publish=True, **fields):
        parent = parent or school["index_a"]
        owner = school["teacher"]
        material_file = MaterialFile(title=title, uploaded_by_user=owner,
                                     collection=library_collection(parent.specific.library))
        material_file.file.save("bai.pdf", ContentFile(tiny_pdf(title.encode("ascii", "replace").decode())),
                                save=False)
        material_file.save()
        values = {"material_type": "lesson_plan", "creators": "Nguyễn Thị Lan\nTrần Văn Hùng",
                  "subject": "toan", "grade": 6, "access_level": "public", "summary": "Tóm tắt bài học."}
        values.update(fields)
        page = MaterialPage(title=title, file=material_file, owner=owner, live=False, **values)
        parent.add_child(instance=page)
        revision = page.save_revision(user=owner)
        if publish:
            revision.publish()
        page.refresh_from_db()
        return page

    return _make


def identifier_of(page):
    from exchange.models import oai_identifier

    return oai_identifier(page.pk)
