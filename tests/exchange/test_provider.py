"""The OAI-PMH 2.0 provider at /oai/: the six verbs, every error code that applies, paging by
resumption token, and who may harvest what. Every answer is validated against the OAI-PMH schema."""

import pytest
from django.core import signing

from exchange.models import HarvesterToken

from .conftest import NS, deleted_identifiers, error_code, identifier_of, identifiers

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(material, school):
    """A public lesson plan, a public audiobook (Ngữ văn), a group-level and a school-level material."""
    return {
        "public": material("Phân số"),
        "audio": material("Sách nói Tấm Cám", material_type="audiobook", subject="ngu-van"),
        "group": material("Giáo án liên thông", access_level="group"),
        "school": material("Đề kiểm tra nội bộ", access_level="school"),
    }


def test_identify_by_get_and_post(oai, catalogue):
    for method in ("get", "post"):
        root = oai(method, verb="Identify")
        assert root.xpath("string(oai:Identify/oai:protocolVersion)", namespaces=NS) == "2.0"
        assert root.xpath("string(oai:Identify/oai:deletedRecord)", namespaces=NS) == "persistent"
        assert root.xpath("string(oai:Identify/oai:granularity)", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
        assert root.xpath("string(oai:Identify/oai:baseURL)", namespaces=NS) == "http://testserver/oai/"
        assert root.xpath("oai:request/@verb", namespaces=NS) == ["Identify"]


def test_list_metadata_formats(oai, catalogue):
    root = oai(verb="ListMetadataFormats")
    assert root.xpath("//oai:metadataPrefix/text()", namespaces=NS) == ["oai_dc", "marc21", "marcxml"]
    root = oai(verb="ListMetadataFormats", identifier=identifier_of(catalogue["public"]))
    assert len(root.xpath("//oai:metadataFormat", namespaces=NS)) == 3
    assert error_code(oai(verb="ListMetadataFormats", identifier="oai:hoclieu.local:material/999999")) \
        == "idDoesNotExist"


def test_no_metadata_formats_for_a_tombstone(oai, catalogue):
    catalogue["public"].unpublish()
    root = oai(verb="ListMetadataFormats", identifier=identifier_of(catalogue["public"]))
    assert error_code(root) == "noMetadataFormats"


def test_list_sets_in_vietnamese_and_only_with_visible_records(oai, catalogue):
    root = oai(verb="ListSets")
    specs = root.xpath("//oai:setSpec/text()", namespaces=NS)
    expected = {"library:THCS-ND", "type:lesson_plan", "type:audiobook", "subject:toan", "subject:ngu-van"}
    assert expected <= set(specs)
    names = dict(zip(specs, root.xpath("//oai:setName/text()", namespaces=NS), strict=True))
    assert names["type:audiobook"] == "Loại học liệu: Sách nói"
    assert names["subject:ngu-van"] == "Môn học: Ngữ văn"
    assert names["library:THCS-ND"] == "Thư viện THCS Nguyễn Du"
    assert error_code(oai(verb="ListSets", resumptionToken="abc")) == "badResumptionToken"


@pytest.mark.parametrize("prefix", ["oai_dc", "marc21", "marcxml"])
def test_list_records_and_get_record_in_every_format(oai, catalogue, prefix):
    root = oai(verb="ListRecords", metadataPrefix=prefix)
    assert set(identifiers(root)) == {identifier_of(catalogue["public"]), identifier_of(catalogue["audio"])}
    root = oai(verb="GetRecord", metadataPrefix=prefix, identifier=identifier_of(catalogue["audio"]))
    if prefix == "oai_dc":
        dc = root.xpath("//oai_dc:dc", namespaces=NS)[0]
        assert dc.xpath("dc:title/text()", namespaces=NS) == ["Sách nói Tấm Cám"]
        assert dc.xpath("dc:creator/text()", namespaces=NS) == ["Nguyễn Thị Lan", "Trần Văn Hùng"]
        assert "Sound" in dc.xpath("dc:type/text()", namespaces=NS)
        assert dc.xpath("dc:language/text()", namespaces=NS) == ["vie"]
        assert dc.xpath("dc:identifier/text()", namespaces=NS)[0].startswith("http")
        assert "Bảo lưu mọi quyền" in dc.xpath("dc:rights/text()", namespaces=NS)
    else:
        assert root.xpath("//marc:record/marc:controlfield[@tag='001']/text()", namespaces=NS) == [
            f"HL{catalogue['audio'].pk:08d}"
        ]
    assert error_code(oai(verb="GetRecord", metadataPrefix=prefix, identifier="nonsense")) == "idDoesNotExist"


def test_list_identifiers_sets_and_dates(oai, catalogue):
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="type:audiobook")
    assert identifiers(root) == [identifier_of(catalogue["audio"])]
    assert not root.xpath("//oai:metadata", namespaces=NS)
    stamp = root.xpath("string(//oai:datestamp)", namespaces=NS)
    assert len(stamp) == 20 and stamp.endswith("Z")
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": stamp, "until": stamp})
    assert identifier_of(catalogue["audio"]) in identifiers(root)
    day = stamp[:10]
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": day, "until": day})
    assert len(identifiers(root)) == 2
    assert error_code(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2000-01-01",
                                                                              "until": "2000-12-31"})) \
        == "noRecordsMatch"
    assert error_code(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="subject:hoa-hoc")) \
        == "noRecordsMatch"
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="nonsense")
    assert error_code(root) == "noRecordsMatch"


@pytest.mark.parametrize("arguments, code", [
    ({}, "badVerb"),
    ({"verb": "Harvest"}, "badVerb"),
    ({"verb": ["Identify", "Identify"]}, "badVerb"),
    ({"verb": "Identify", "set": "x"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "marc21"]}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "22/11/2026"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-01-01",
      "until": "2026-02-01T00:00:00Z"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-02-01", "until": "2026-01-01"},
     "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "metadataPrefix": "mods", "identifier": "oai:hoclieu.local:material/1"},
     "cannotDisseminateFormat"),
    ({"verb": "ListIdentifiers", "resumptionToken": "not-a-token"}, "badResumptionToken"),
])
def test_error_codes(oai, catalogue, arguments, code):
    root = oai(**arguments)
    assert error_code(root) == code
    if code in ("badVerb", "badArgument"):
        assert not root.xpath("oai:request/@verb", namespaces=NS)  # §3.2: no attributes then


def test_paging_by_resumption_token(oai, material, settings):
    settings.HOCLIEU_OAI_PAGE_SIZE = 2
    pages = [material(f"Bài {n}") for n in range(5)]
    seen, token, cursors = [], None, []
    for method in ("get", "post", "get"):
        arguments = {"resumptionToken": token} if token else {"metadataPrefix": "oai_dc"}
        root = oai(method, verb="ListRecords", **arguments)
        seen += identifiers(root)
        element = root.xpath("//oai:resumptionToken", namespaces=NS)[0]
        assert element.get("completeListSize") == "5"
        cursors.append(element.get("cursor"))
        token = element.text
    assert token is None and cursors == ["0", "2", "4"]
    assert seen == [identifier_of(page) for page in pages]


def test_tampered_or_expired_token_is_refused(oai, material, settings):
    settings.HOCLIEU_OAI_PAGE_SIZE = 1
    material("Bài 1")
    material("Bài 2")
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = root.xpath("string(//oai:resumptionToken)", namespaces=NS)
    state = signing.loads(token, salt="exchange.oai.resumptionToken")
    forged = signing.dumps({**state, "audience": "network:1"}, salt="wrong", compress=True)
    assert error_code(oai(verb="ListIdentifiers", resumptionToken=forged)) == "badResumptionToken"
    settings.HOCLIEU_OAI_TOKEN_LIFETIME = -1
    assert error_code(oai(verb="ListIdentifiers", resumptionToken=token)) == "badResumptionToken"


def test_school_only_material_never_reaches_an_anonymous_harvester(oai, catalogue):
    school_id = identifier_of(catalogue["school"])
    group_id = identifier_of(catalogue["group"])
    for prefix in ("oai_dc", "marcxml"):
        listed = identifiers(oai(verb="ListRecords", metadataPrefix=prefix))
        assert school_id not in listed and group_id not in listed
    root = oai(verb="GetRecord", metadataPrefix="oai_dc", identifier=school_id)
    assert error_code(root) == "idDoesNotExist"
    catalogue["school"].unpublish()
    catalogue["school"].delete()
    assert school_id not in identifiers(oai(verb="ListIdentifiers", metadataPrefix="oai_dc"))
    assert error_code(oai(verb="ListMetadataFormats", identifier=school_id)) == "idDoesNotExist"


def test_group_records_only_with_a_token_of_the_same_network(oai, catalogue, school, client):
    _, token_b = HarvesterToken.issue(school["b"], "Koha đầu mối")
    _, token_outsider = HarvesterToken.issue(school["outsider"], "Ngoài liên thông")
    revoked, token_revoked = HarvesterToken.issue(school["b"], "Cũ")
    revoked.active = False
    revoked.save()
    group_id = identifier_of(catalogue["group"])

    root = oai(verb="ListRecords", metadataPrefix="marcxml", token=token_b)
    listed = identifiers(root)
    assert group_id in listed and identifier_of(catalogue["public"]) in listed
    assert identifier_of(catalogue["school"]) not in listed
    assert "private" in oai.last_response["Cache-Control"]
    root = oai(verb="GetRecord", metadataPrefix="oai_dc", identifier=group_id, token=token_b)
    assert root.xpath("//dc:title/text()", namespaces=NS) == ["Giáo án liên thông"]
    oai(verb="Identify")
    assert "public" in oai.last_response["Cache-Control"]

    for bad, status in ((token_outsider, 403), (token_revoked, 401), ("guessed", 401)):
        arguments = {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": group_id}
        response = client.get("/oai/", arguments, HTTP_AUTHORIZATION=f"Bearer {bad}")
        assert response.status_code == status
        assert "Giáo án".encode() not in response.content
        assert response["WWW-Authenticate"].startswith("Bearer")
    response = client.get("/oai/", {"verb": "Identify"}, HTTP_AUTHORIZATION="Basic dXNlcjpwdw==")
    assert response.status_code == 401


def test_resumption_token_is_bound_to_its_audience(oai, material, school, settings):
    settings.HOCLIEU_OAI_PAGE_SIZE = 1
    material("Bài 1")
    material("Bài 2", access_level="group")
    material("Bài 3", access_level="group")
    _, token_b = HarvesterToken.issue(school["b"], "Koha")
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", token=token_b)
    resumption = root.xpath("string(//oai:resumptionToken)", namespaces=NS)
    assert resumption
    assert error_code(oai(verb="ListIdentifiers", resumptionToken=resumption)) == "badResumptionToken"
    root = oai(verb="ListIdentifiers", resumptionToken=resumption, token=token_b)
    assert len(identifiers(root)) == 1


def test_deleted_record_headers(oai, catalogue):
    catalogue["audio"].unpublish()
    root = oai(verb="ListRecords", metadataPrefix="oai_dc")
    assert deleted_identifiers(root) == [identifier_of(catalogue["audio"])]
    root = oai(verb="GetRecord", metadataPrefix="marcxml", identifier=identifier_of(catalogue["audio"]))
    assert root.xpath("//oai:header/@status", namespaces=NS) == ["deleted"]
    assert not root.xpath("//oai:metadata", namespaces=NS)
