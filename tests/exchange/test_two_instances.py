"""Two Hoclieu installations harvest each other over HTTP on loopback (issue 8, item 5).

Instance A (a member library) publishes materials and serves /oai/ with `runserver`; instance B
(the hub) has A as a harvest source with A's network token. B's worker harvests A on its schedule
(`db_worker`: the worker's tick queues the due harvest), which puts A's public and group-level
records into B's union catalogue, indexed; B's search page shows the public ones to an anonymous
reader, with A's library, and never the group-level one. A then unpublishes a material, and B's
`manage.py harvest_oai` harvests incrementally and applies the deletion. Each instance has its own
database (SQLite files in temporary folders, or PostgreSQL databases when the suite runs on it).
"""

import re
import urllib.request

import pytest

from tests.helpers import Site

pytestmark = pytest.mark.slow

SETUP_A = """
from django.core.files.base import ContentFile
from exchange.models import HarvesterToken
from repository.models import Library, LibraryNetwork, MaterialFile, MaterialPage
from repository.roles import library_collection, setup_library
from django.contrib.auth import get_user_model
from tests.helpers import tiny_pdf

network = LibraryNetwork.objects.create(name="Liên thông Quận 1", code="Q1")
member = Library.objects.create(name="THCS Nguyễn Du", code="THCS-ND", network=network)
hub = Library.objects.create(name="Thư viện đầu mối Quận 1", code="HUB-Q1", network=network)
index = setup_library(member)
setup_library(hub)
owner = get_user_model().objects.create_user("gv", password="pw")
for title, level in [("Giáo án Toán 6 phân số", "public"), ("Sách nói Tấm Cám", "public"),
                     ("Giáo án liên thông bí mật", "group"), ("Giáo án nội bộ trường", "school")]:
    material_file = MaterialFile(title=title, uploaded_by_user=owner, collection=library_collection(member))
    material_file.file.save("bai.pdf", ContentFile(tiny_pdf("bai")), save=False)
    material_file.save()
    page = MaterialPage(title=title, file=material_file, owner=owner, live=False, material_type="lesson_plan",
                        creators="Nguyễn Thị Lan", subject="toan", grade=6, access_level=level)
    index.add_child(instance=page)
    page.save_revision(user=owner).publish()
print("TOKEN=" + HarvesterToken.issue(hub, "Hoclieu đầu mối")[1])
"""

SETUP_B = """
from exchange.models import HarvestSource
from repository.models import Library, LibraryNetwork
from repository.roles import setup_library

network = LibraryNetwork.objects.create(name="Liên thông Quận 1", code="Q1")
hub = Library.objects.create(name="Thư viện đầu mối Quận 1", code="HUB-Q1", network=network)
member = Library.objects.create(name="THCS Nguyễn Du", code="THCS-ND", network=network)
setup_library(hub)
setup_library(member)
source = HarvestSource(name="nguyendu", base_url="{url}/oai/", receiving_library=hub, member_library=member,
                       interval_minutes=60)
source.token = "{token}"
source.full_clean()
source.save()
"""

UNPUBLISH_A = """
from repository.models import MaterialPage
MaterialPage.objects.get(title="Giáo án Toán 6 phân số").unpublish()
"""


@pytest.fixture
def sites(tmp_path):
    a = Site(tmp_path / "a" / "var", HOCLIEU_OAI_REPOSITORY_IDENTIFIER="a.hoclieu.test",
             HOCLIEU_OAI_PAGE_SIZE="2")
    b = None
    try:
        a.manage("migrate", "--no-input", "-v0", timeout=600)
        b = a.clone(tmp_path / "b" / "var")
        yield a, b
    finally:
        for site in (b, a):
            if site is not None:
                site.drop()


def get(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read().decode()


def test_the_hub_harvests_a_member_over_http_and_applies_its_deletion(sites):
    a, b = sites
    token = re.search(r"TOKEN=(\S+)", a.manage("shell", "-c", SETUP_A).stdout).group(1)
    server_a = a.serve()
    b.manage("shell", "-c", SETUP_B.replace("{url}", server_a.url).replace("{token}", token))

    # B's worker: its tick finds the source due and queues the harvest; then the indexing tasks.
    b.manage("db_worker", "--batch", "--no-startup-delay", "--skip-checks")
    runs = b.query("SELECT status, created, deleted, failed, pages FROM exchange_harvestrun")
    assert runs == [("success", 3, 0, 0, 2)]
    records = dict(b.query("SELECT title, access_level FROM repository_cataloguerecord "
                           "WHERE source = 'harvested' AND NOT deleted AND library_id = "
                           "(SELECT id FROM repository_library WHERE code = 'THCS-ND')"))
    assert records == {"Giáo án Toán 6 phân số": "public", "Sách nói Tấm Cám": "public",
                       "Giáo án liên thông bí mật": "group"}
    assert b.query("SELECT COUNT(*) FROM repository_cataloguerecord "
                   "WHERE control_number = '' OR control_number_identifier = ''") == [(0,)]
    assert b.query("SELECT last_status FROM exchange_harvestsource") == [("success",)]

    server_b = b.serve()
    page = get(f"{server_b.url}/search/?q=gi%C3%A1o+%C3%A1n")
    assert "Giáo án Toán 6 phân số" in page and "Bản in" in page and "THCS Nguyễn Du" in page
    assert "bí mật" not in page and "nội bộ" not in page

    a.manage("shell", "-c", UNPUBLISH_A)
    result = b.manage("harvest_oai", "--source", "nguyendu", "--skip-checks", "-v0")
    assert "Mới 0" in result.stdout and "xoá 1" in result.stdout, result.stdout
    assert b.query("SELECT from_datestamp IS NOT NULL, deleted FROM exchange_harvestrun ORDER BY id") == [
        (0, 0), (1, 1)]
    toan = "SELECT deleted FROM repository_cataloguerecord WHERE title = 'Giáo án Toán 6 phân số'"
    assert b.query(toan) == [(1,)]
    page = get(f"{server_b.url}/search/?q=gi%C3%A1o+%C3%A1n")
    assert "Giáo án Toán 6 phân số" not in page
    assert "Tấm Cám" in get(f"{server_b.url}/search/?q=t%E1%BA%A5m+c%C3%A1m")
