"""Shared fixtures: a library network with two schools, their people, subject groups, helpers."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def fixture_path():
    """Return the path of a file in fixtures/, e.g. fixture_path("pdf/maint-guide.vi.pdf")."""

    def _path(relative):
        path = FIXTURES / relative
        assert path.exists(), f"missing fixture {path}"
        return path

    return _path


@pytest.fixture
def school(db):
    """Two libraries in one network plus one outside it, with users for every role.

    Returns a dict: libraries (a, b, outsider), users by role name of library a
    (teacher, teacher2, reviewer, principal, librarian, student), student_b, student_outsider,
    the subject group `toan` of library a, and index pages.
    """
    from repository.choices import Role, Subject
    from repository.models import Library, LibraryNetwork
    from repository.roles import add_member, create_subject_group, setup_library

    User = get_user_model()
    network = LibraryNetwork.objects.create(name="Liên thông Quận 1", code="Q1")
    a = Library.objects.create(name="THCS Nguyễn Du", code="THCS-ND", district="Quận 1",
                               province="TP Hồ Chí Minh", network=network)
    b = Library.objects.create(name="THCS Lê Lợi", code="THCS-LL", district="Quận 1",
                               province="TP Hồ Chí Minh", network=network)
    outsider = Library.objects.create(name="THPT Xa", code="THPT-XA", province="Hà Nội")
    index_a, index_b, index_o = (setup_library(lib) for lib in (a, b, outsider))

    def user(username, library, role, **extra):
        u = User.objects.create_user(username=username, password="pw", **extra)
        add_member(u, library, role)
        return u

    people = {
        "teacher": user("gv_toan", a, Role.TEACHER, first_name="Lan", last_name="Nguyễn Thị"),
        "teacher2": user("gv_van", a, Role.TEACHER),
        "reviewer": user("tt_toan", a, Role.TEACHER),
        "principal": user("hieutruong", a, Role.PRINCIPAL),
        "librarian": user("thuvien", a, Role.LIBRARIAN),
        "student": user("hocsinh", a, Role.STUDENT),
        "student_b": user("hocsinh_b", b, Role.STUDENT),
        "student_outsider": user("hocsinh_xa", outsider, Role.STUDENT),
        "reviewer_b": user("tt_toan_b", b, Role.TEACHER),
    }
    toan = create_subject_group(a, "Toán - Tin", [Subject.TOAN, Subject.TIN_HOC],
                                leader=people["reviewer"], members=[people["reviewer"]])
    van = create_subject_group(a, "Ngữ văn", [Subject.NGU_VAN], leader=people["teacher2"],
                               members=[people["teacher2"]])
    toan_b = create_subject_group(b, "Toán", [Subject.TOAN], leader=people["reviewer_b"],
                                  members=[people["reviewer_b"]])
    return {
        "network": network, "a": a, "b": b, "outsider": outsider,
        "index_a": index_a, "index_b": index_b, "index_outsider": index_o,
        "toan": toan, "van": van, "toan_b": toan_b, **people,
    }


@pytest.fixture
def make_material(school, fixture_path, django_capture_on_commit_callbacks):
    """Factory: make_material(relative_fixture, parent=None, publish=True, **fields) -> MaterialPage.

    Stores the fixture as a MaterialFile in the collection of the parent's library, runs the media
    pipeline at once (its task is enqueued on commit; the test task backend is immediate) and adds a
    MaterialPage under `parent` (default: library a's index page).
    """
    from repository.models import MaterialFile, MaterialPage
    from repository.roles import library_collection

    def _make(relative, parent=None, publish=True, owner=None, **fields):
        path = fixture_path(relative)
        parent = parent or school["index_a"]
        owner = owner or school["teacher"]
        material_file = MaterialFile(title=path.stem, uploaded_by_user=owner,
                                     collection=library_collection(parent.specific.library))
        with django_capture_on_commit_callbacks(execute=True):
            material_file.file.save(path.name, ContentFile(path.read_bytes()), save=False)
            material_file.save()
        material_file.refresh_from_db()
        defaults = {
            "title": fields.pop("title", path.stem),
            "material_type": "lesson_plan",
            "creators": "Nguyễn Thị Lan",
            "subject": "toan",
            "grade": 6,
            "access_level": "public",
        }
        defaults.update(fields)
        page = MaterialPage(file=material_file, owner=owner, live=False, **defaults)
        parent.add_child(instance=page)
        revision = page.save_revision(user=owner)
        if publish:
            revision.publish()
        page.refresh_from_db()
        return page

    return _make


@pytest.fixture
def wagtail_site_root(transactional_db):
    """Transactional tests flush the database after each test, data migrations included: put the
    page tree's root, the root collection, the home page and the default site back before a
    transactional test (browser tests, live-server tests) that needs them."""
    from django.conf import settings
    from wagtail.models import Collection, Locale, Page, Site

    from cms.models import HomePage

    locale, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.objects.filter(depth=1).first()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    if not HomePage.objects.exists():
        home = root.add_child(instance=HomePage(title="Hoclieu", slug="home", locale=locale))
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
        )


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
               "live_server"}


def uses_database(item):
    """Whether a collected test touches the database: a django_db or database mark, or a
    database fixture among the fixtures it requests directly or through other fixtures."""
    if item.get_closest_marker("django_db") or item.get_closest_marker("database"):
        return True
    return bool(DB_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config, items):
    """With HOCLIEU_TESTS=database (CI's second run, on PostgreSQL), keep only the tests that touch
    the database: the rest (media tools, parsers, the analysis) do not depend on the database and
    have already run once, on SQLite. The deselected tests are listed by pytest as deselected."""
    if os.environ.get("HOCLIEU_TESTS") != "database":
        return
    kept, dropped = [], []
    for item in items:
        (kept if uses_database(item) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
