"""A real OAI-PMH client (oaipmh-scythe) harvests the provider over HTTP through resumption tokens."""

import pytest
from oaipmh_scythe import HTTPConfig, Scythe

from exchange.models import HarvesterToken

from .conftest import identifier_of

# Transactional: the live server reads the data from its own thread. The flush between such tests
# removes the page tree root that migrations made, which wagtail_site_root puts back.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("wagtail_site_root")]


def test_scythe_harvests_every_page(live_server, material, school, settings):
    settings.HOCLIEU_OAI_PAGE_SIZE = 2
    public = [material(f"Bài {n}") for n in range(5)]
    group = material("Giáo án liên thông", access_level="group")
    school_only = material("Nội bộ", access_level="school")
    public[1].unpublish()
    _, token = HarvesterToken.issue(school["b"], "Koha đầu mối")

    with Scythe(f"{live_server.url}/oai/") as scythe:
        assert scythe.identify().repositoryName
        records = list(scythe.list_records(metadata_prefix="oai_dc"))
        marc = list(scythe.list_identifiers(metadata_prefix="marcxml", ignore_deleted=True))
    by_id = {record.header.identifier: record for record in records}
    assert set(by_id) == {identifier_of(page) for page in public}
    assert by_id[identifier_of(public[1])].header.deleted
    assert by_id[identifier_of(public[0])].metadata["title"] == ["Bài 0"]
    assert len(marc) == 4

    def bearer(request):
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    with Scythe(f"{live_server.url}/oai/", http_config=HTTPConfig(http_method="POST", auth=bearer)) as scythe:
        network = [header.identifier for header in scythe.list_identifiers(metadata_prefix="oai_dc")]
    assert identifier_of(group) in network
    assert identifier_of(school_only) not in network
    assert len(network) == 7 - 1
