"""The demo network (`manage.py load_demo`) shows isolation and separation of duties with real files."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import GroupCollectionPermission, TaskState

from repository.choices import Role
from repository.contributions import Period, contribution_list, contribution_progress
from repository.demo import build_demo
from repository.models import Library, MaterialPage, PrincipalSignOffTask
from repository.models.derivatives import transcript_language
from repository.review import ReviewRoute, page_under_review, review_assignment, review_attestation

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        build_demo(FIXTURES, log=lambda line: None)
    return {user.username: user for user in get_user_model().objects.all()}


def check_demo_submissions_wait_for_someone_else(demo):
    pending = {page.title: page for page in MaterialPage.objects.filter(live=False)
               if page.current_workflow_task_state is not None}
    nsl = review_assignment(page_under_review(pending["Kế hoạch bài dạy: Lịch sử địa phương Hoàn Kiếm"]))
    # THCS-NSL has no subject group and no principal: its librarian reviews, and the admin says why.
    assert nsl.route == ReviewRoute.LIBRARIAN
    assert set(nsl.reviewers) == {demo["thuvien_nsl"]}
    assert "chưa có tổ chuyên môn" in nsl.explanation()
    # giaovien_toan is in the Toán - Tin group; her own slides go to the leader only.
    slides = review_assignment(page_under_review(pending["Bài giảng điện tử: Phân số (Toán 6)"]))
    assert set(slides.reviewers) == {demo["totruong_toan"]}
    assert not TaskState.objects.reviewable_by(demo["giaovien_toan"]).exists()
    # THCS-TV asks for the principal's sign-off: one lesson plan waits for it, one is signed off.
    statistics = pending["Bài tập thống kê: đọc bảng số liệu"]
    assert isinstance(statistics.current_workflow_task, PrincipalSignOffTask)
    assert TaskState.objects.reviewable_by(demo["hieutruong"]).filter(
        workflow_state__object_id=str(statistics.pk)).exists()
    signed_off = MaterialPage.objects.get(title__startswith="Chuyên đề Tin học 10")
    assert signed_off.live and review_attestation(signed_off)["signed_off_by"] == demo["hieutruong"]


def check_demo_materials_hold_their_own_librarys_files_and_teachers_own_theirs(demo):
    for page in MaterialPage.objects.select_related("file", "library"):
        assert page.library.file_collections().filter(pk=page.file.collection_id).exists(), page.title
    for library in Library.objects.all():
        for role in (Role.TEACHER, Role.REVIEWER, Role.PRINCIPAL):
            codenames = set(GroupCollectionPermission.objects.filter(group=library.role_group(role))
                            .values_list("permission__codename", flat=True))
            assert codenames == {"add_document", "choose_document"}, (library.code, role)
        librarian = set(GroupCollectionPermission.objects.filter(group=library.role_group(Role.LIBRARIAN))
                        .values_list("permission__codename", flat=True))
        assert {"change_document", "delete_document"} <= librarian


def check_demo_scans_are_found_by_the_words_in_their_images(demo):
    from django.contrib.auth.models import AnonymousUser

    from repository.search.query import search_materials

    scans = MaterialPage.objects.filter(material_type="digitised", title__startswith="Thông báo số hoá")
    assert scans.count() == 3
    page_set = scans.get(title__endswith="(bộ ảnh trang JPEG và PNG)")
    assert page_set.file.page_count == 2
    assert list(page_set.file.page_images.values_list("original_name", flat=True)) == [
        "vi_scan_thong_bao_p1.jpg", "vi_scan_thong_bao_p2.png"]
    found = {int(hit.pk) for hit in search_materials(AnonymousUser(), "kỉ yếu", {})}
    for page in scans:
        assert page.file.processing_status == "done", page.file.processing_error
        assert page.file.searchable_pdf is not None
        assert page.pk in found


def check_demo_has_a_print_catalogue_and_a_material_linked_to_its_print_twin(demo):
    from repository.models import CatalogueRecord

    library = Library.objects.get(code="THCS-TV")
    assert CatalogueRecord.objects.filter(library=library).count() == 22
    page = MaterialPage.objects.get(title="Việt Nam sử lược (bản số hoá)")
    assert page.print_twin.control_number == "VN-THCS01000022"
    assert page.print_twin.copies == 2


def check_demo_hub_reports_the_members_faulty_records_and_a_copied_record(demo):
    from repository.catalogue.quality import check_libraries
    from repository.models import CatalogueRecord, LibraryNetwork, QualityIssue

    tv, nsl = Library.objects.get(code="THCS-TV"), Library.objects.get(code="THCS-NSL")
    assert LibraryNetwork.objects.get(code="HK").hub == tv
    copy = CatalogueRecord.objects.get(library=nsl, control_number__startswith="HLC")
    assert "(VN-THCS01)VN-THCS01000021" in copy.marcxml and copy.holdings.count() == 0
    rules = set(QualityIssue.objects.filter(record__library=nsl).values_list("rule", flat=True))
    assert rules == {"duplicate", "isbn", "ddc_number", "language", "indicators", "required_fields"}
    assert not QualityIssue.objects.filter(record=copy).exists()
    # The stored report is the check's: checking again finds the same.
    count = QualityIssue.objects.count()
    assert check_libraries([tv.pk, nsl.pk]).issues == count


def check_demo_video_lessons_are_processed_with_player_and_chapters(demo, client):
    from django.urls import reverse

    videos = {page.title: page for page in MaterialPage.objects.filter(material_type="video")}
    assert len(videos) == 2
    for page in videos.values():
        assert page.file.processing_status == "done", page.file.processing_error
        assert page.file.video_rendition is not None and page.file.poster is not None
        assert page.file.duration_seconds > 4
    mkv = videos["Video bài giảng: Bảng màu chuẩn (hai chương)"]
    assert [chapter["title"] for chapter in mkv.file.chapters] == ["Chapter 1", "Chapter 2"]
    response = client.get(mkv.url)
    assert reverse("material_video", kwargs={"page_id": mkv.pk}).encode() in response.content


def check_demo_contribution_lists_hold_the_approved_lesson_plans(demo):
    today = timezone.localdate()
    period = Period("demo", 1, today, today)  # the demo's approvals are made today
    tv, nsl = Library.objects.get(code="THCS-TV"), Library.objects.get(code="THCS-NSL")
    assert tv.network.hub == tv
    titles = {library.code: [row.title for row in contribution_list(library, period).rows]
              for library in (tv, nsl)}
    assert titles == {"THCS-TV": ["Chuyên đề Tin học 10: Đóng gói phần mềm trên Debian"],
                      "THCS-NSL": ["Kế hoạch bài dạy: Bảo tồn di tích Hồ Gươm"]}
    progress = {p.library.code: (p.count, p.quota) for p in contribution_progress([tv, nsl], period)}
    assert progress == {"THCS-TV": (1, 3), "THCS-NSL": (1, 2)}


def check_demo_english_audiobook_is_transcribed_in_english(demo):
    page = MaterialPage.objects.get(creators="John F. Kennedy")
    assert page.transcript_language == "en" and transcript_language(page.file) == "en"


def test_demo(demo, client):
    """The demo takes minutes to build (OCR, transcoding, the print catalogue): it is built once and
    every check runs on it."""
    check_demo_submissions_wait_for_someone_else(demo)
    check_demo_materials_hold_their_own_librarys_files_and_teachers_own_theirs(demo)
    check_demo_scans_are_found_by_the_words_in_their_images(demo)
    check_demo_has_a_print_catalogue_and_a_material_linked_to_its_print_twin(demo)
    check_demo_video_lessons_are_processed_with_player_and_chapters(demo, client)
    check_demo_contribution_lists_hold_the_approved_lesson_plans(demo)
    check_demo_hub_reports_the_members_faulty_records_and_a_copied_record(demo)
    check_demo_english_audiobook_is_transcribed_in_english(demo)
