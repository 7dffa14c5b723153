"""The OAI-PMH 2.0 provider at /oai/: the six verbs, every error code that applies, paging by
resumption token, and who may harvest what. Every answer is validated against the OAI-PMH schema."""

import pytest
from django.core import signing

from exchange.models import HarvesterToken
from repository.marc import MarcBuildError

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


@pytest.fixture
def broken(monkeypatch):
    """broken(*pages): building the metadata of these materials raises MarcBuildError (as for a
    material under no site), in every format; the others are built as usual."""
    from exchange import oai as provider

    broken_ids = set()
    build = provider.build_metadata

    def build_or_fail(page, prefix, base_url=None):
        if page.pk in broken_ids:
            raise MarcBuildError(f"Học liệu {page.pk} không có địa chỉ công khai.")
        return build(page, prefix, base_url=base_url)

    monkeypatch.setattr(provider, "build_metadata", build_or_fail)
    return lambda *pages: broken_ids.update(page.pk for page in pages)


def harvest(oai, **arguments):
    """Every page of a ListRecords: (identifiers in order, roots of the pages)."""
    seen, roots = [], []
    token = None
    while True:
        root = oai(verb="ListRecords", **({"resumptionToken": token} if token else arguments))
        roots.append(root)
        if error_code(root):
            return seen, roots
        seen += identifiers(root)
        token = root.xpath("string(//oai:resumptionToken)", namespaces=NS)
        if not token:
            return seen, roots


def test_records_that_fail_to_build_are_skipped_and_the_page_filled(oai, material, broken, settings, caplog):
    """OAI-PMH 2.0 §4.5: ListRecords holds one or more records, so a page whose records all fail to
    build goes on with the next ones, and the list goes on by its resumptionToken; each failure is
    logged with its reason. Every answer validates (the `oai` fixture runs xmllint)."""
    settings.HOCLIEU_OAI_PAGE_SIZE = 2
    pages = [material(f"Bài {n}") for n in range(6)]
    broken(pages[0], pages[1], pages[3])
    with caplog.at_level("ERROR", logger="hoclieu.oai"):
        seen, roots = harvest(oai, metadataPrefix="oai_dc")
    assert seen == [identifier_of(page) for page in (pages[2], pages[4], pages[5])]
    assert [len(identifiers(root)) for root in roots] == [2, 1]
    assert roots[0].xpath("//oai:resumptionToken/@cursor", namespaces=NS) == ["0"]
    assert roots[1].xpath("//oai:resumptionToken/@cursor", namespaces=NS) == ["2"]
    for page in (pages[0], pages[1], pages[3]):
        assert any(identifier_of(page) in message and "không có địa chỉ công khai" in message
                   for message in caplog.messages)


def test_broken_records_at_the_end_of_a_list_end_it(oai, material, broken, settings):
    """The records after a full page all fail: the page is the last one (no resumptionToken leading
    to an empty ListRecords)."""
    settings.HOCLIEU_OAI_PAGE_SIZE = 2
    pages = [material(f"Bài {n}") for n in range(4)]
    broken(pages[2], pages[3])
    root = oai(verb="ListRecords", metadataPrefix="marcxml")
    assert identifiers(root) == [identifier_of(pages[0]), identifier_of(pages[1])]
    assert not root.xpath("//oai:resumptionToken", namespaces=NS)


def test_when_every_record_fails_to_build_no_records_match(oai, material, broken):
    pages = [material(f"Bài {n}") for n in range(2)]
    broken(*pages)
    assert error_code(oai(verb="ListRecords", metadataPrefix="marc21")) == "noRecordsMatch"


def test_get_record_that_fails_to_build_cannot_be_disseminated(oai, material, broken, caplog):
    """GetRecord of a record whose metadata cannot be built: cannotDisseminateFormat (§3.6: the
    format is not available for this item), never a record without metadata; a tombstone is still
    served (it has none). ListIdentifiers lists its header (it builds no metadata)."""
    page = material("Bài hỏng")
    broken(page)
    with caplog.at_level("ERROR", logger="hoclieu.oai"):
        root = oai(verb="GetRecord", metadataPrefix="oai_dc", identifier=identifier_of(page))
    assert error_code(root) == "cannotDisseminateFormat"
    assert not root.xpath("//oai:GetRecord", namespaces=NS)
    assert any(identifier_of(page) in message for message in caplog.messages)
    assert identifiers(oai(verb="ListIdentifiers", metadataPrefix="oai_dc")) == [identifier_of(page)]
    page.unpublish()
    root = oai(verb="GetRecord", metadataPrefix="oai_dc", identifier=identifier_of(page))
    assert deleted_identifiers(root) == [identifier_of(page)]


def test_list_identifiers_gives_a_material_no_longer_visible_as_deleted(oai, material):
    """The table lags behind a change made without signals (a queryset update): ListIdentifiers, like
    ListRecords and GetRecord, checks the material again and gives it as deleted."""
    from repository.models import MaterialPage

    page = material("Phân số")
    MaterialPage.objects.filter(pk=page.pk).update(access_level="school")
    for verb in ("ListIdentifiers", "ListRecords"):
        root = oai(verb=verb, metadataPrefix="oai_dc")
        assert deleted_identifiers(root) == [identifier_of(page)]
