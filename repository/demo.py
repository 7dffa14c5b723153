"""The demo school network that `manage.py load_demo` builds from fixtures/.

Two lower-secondary schools in one network; subject groups Toán, Ngữ văn, Tiếng Anh, Lịch sử;
a user for every role; materials taken through the real paths: a teacher's upload submitted to
review and approved (or sent back with a comment), a librarian's batch import published at once,
audiobooks with chapters, video lessons (a rotated phone recording, an MKV with chapters), scans
read by OCR (one of them a set of page images uploaded together), one broken file whose failure is
recorded, and THCS-TV's print catalogue (MARC 21, with holdings) with a digitised book linked to its
print twin. THCS-TV is the network's hub library: THCS-NSL's small print catalogue has faults its
quality control reports, and one record THCS-NSL copied from THCS-TV's catalogue. THCS-TV asks for
the principal's sign-off after its subject
groups: one lesson plan is signed off, another waits for the principal. THCS-NSL has no subject
group and no principal: its teacher's submission waits for its librarian (review_assignment), and
the Toán - Tin member's own pending slides wait for her group leader, never for herself; its
librarian has approved another of the teacher's lesson plans. THCS-TV is the network's hub library;
each library has a contribution quota per semester, and the approved lesson plans are on their
semester contribution lists (repository.contributions).
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction

from .catalogue import importing as catalogue_importing
from .catalogue.copying import copy_record
from .catalogue.quality import check_libraries
from .choices import (
    AccessLevel,
    MaterialType,
    ReviewChain,
    Rights,
    Role,
    Subject,
    TextbookSeries,
    TranscriptLanguage,
)
from .contributions import contribution_progress, current_period
from .importing import import_materials
from .models import CatalogueRecord, Library, LibraryNetwork, MaterialFile, MaterialPage
from .pagesets import PageSource, check_page_images, store_page_set
from .roles import add_member, create_subject_group, library_collection, setup_library
from .slugs import unique_child_slug

DEMO_PASSWORD = "hoclieu2026"

USERS = [
    # username, first, last, role, library code
    ("admin", "Quản", "Trị", None, None),
    ("giaovien_toan", "Lan", "Nguyễn Thị", Role.TEACHER, "THCS-TV"),
    ("totruong_toan", "Hùng", "Trần Văn", Role.TEACHER, "THCS-TV"),
    ("giaovien_van", "Mai", "Lê Thị", Role.TEACHER, "THCS-TV"),
    ("totruong_van", "Hoa", "Phạm Thị", Role.TEACHER, "THCS-TV"),
    ("totruong_anh", "Minh", "Đỗ Quang", Role.TEACHER, "THCS-TV"),
    ("totruong_su", "Đức", "Vũ Minh", Role.TEACHER, "THCS-TV"),
    ("hieutruong", "Bình", "Hoàng Văn", Role.PRINCIPAL, "THCS-TV"),
    ("thuvien", "Thu", "Ngô Thị", Role.LIBRARIAN, "THCS-TV"),
    ("hocsinh", "An", "Nguyễn Bảo", Role.STUDENT, "THCS-TV"),
    ("hocsinh_nsl", "Khang", "Lý Minh", Role.STUDENT, "THCS-NSL"),
    ("thuvien_nsl", "Yến", "Đặng Hải", Role.LIBRARIAN, "THCS-NSL"),
    ("giaovien_nsl", "Quang", "Phan Minh", Role.TEACHER, "THCS-NSL"),
]


LEADS = {
    "totruong_toan": "tổ trưởng Toán - Tin",
    "totruong_van": "tổ trưởng Ngữ văn",
    "totruong_anh": "tổ trưởng Tiếng Anh",
    "totruong_su": "tổ trưởng Lịch sử - Địa lí",
}


def demo_logins():
    """(username, role description) of every demo user, in the order they are printed."""
    logins = []
    for username, _first, _last, role, code in USERS:
        if role is None:
            logins.append((username, "Quản trị hệ thống"))
            continue
        lead = f", {LEADS[username]}" if username in LEADS else ""
        logins.append((username, f"{role.label}{lead} ({code})"))
    return logins


def _user(username):
    return get_user_model().objects.get(username=username)


def _material_file(path, title, library, owner):
    material_file = MaterialFile(title=title, collection=library_collection(library), uploaded_by_user=owner)
    with open(path, "rb") as fileobj:
        material_file.file.save(path.name, File(fileobj, name=path.name), save=False)
    material_file.save()
    return material_file


def _teacher_upload(fixtures, relative, library, owner, **fields):
    """A teacher's upload as the admin makes it: file, draft page, revision, submitted to the workflow."""
    material_file = _material_file(fixtures / relative, fields["title"], library, owner)
    page = MaterialPage(file=material_file, owner=owner, live=False,
                        slug=unique_child_slug(library.index_page, fields["title"]), **fields)
    library.index_page.add_child(instance=page)
    page.save_revision(user=owner, log_action=True)
    page.get_workflow().start(page, owner)
    return page


def _review(page, reviewer, approve, comment):
    task_state = page.current_workflow_task_state
    if approve:
        task_state.approve(user=reviewer, comment=comment)
    else:
        task_state.reject(user=reviewer, comment=comment)


@transaction.atomic
def _print_catalogue(fixtures, library, librarian, log):
    """Import the print catalogue (22 MARC 21 records with holdings) into `library`, and add a
    digitised copy of one of its books, linked to its print twin through the title-and-author
    suggestion a librarian would confirm (repository.catalogue)."""
    from .catalogue.importing import import_marc_files
    from .catalogue.matching import link_print_twin, suggest_print_twins

    report = import_marc_files([fixtures / "marc/thcs_print_catalogue_nfc.mrc"], library)
    log(f"Kho sách in (MARC 21): {report.created} biểu ghi mới, {report.failed} lỗi")
    title = "Việt Nam sử lược (bản số hoá)"
    material_file = _material_file(fixtures / "pdf/issue-33-lorem-ipsum.pdf", title, library, librarian)
    page = MaterialPage(file=material_file, owner=librarian, live=False, title=title,
                        slug=unique_child_slug(library.index_page, title),
                        material_type=MaterialType.DIGITISED, creators="Trần Trọng Kim",
                        subject=Subject.LICH_SU, grade=8, language="vie", access_level=AccessLevel.PUBLIC,
                        rights="public-domain", ddc="959.7",
                        summary="Bản số hoá minh hoạ (tệp mẫu) của sách in cùng tên trong kho sách "
                                "của thư viện.")
    library.index_page.add_child(instance=page)
    page.save_revision(user=librarian).publish(user=librarian)
    suggestions = suggest_print_twins(page)
    if suggestions:
        link_print_twin(page, suggestions[0].record)
        log(f"Bản in của “{title}”: {suggestions[0].record.title} ({suggestions[0].record.call_number})")


def _contribution_quotas(network, hub, quotas, log):
    """Give each library its quota of materials per semester (`quotas`: {Library: int}); log each
    member's progress in the current semester (repository.contributions), as `hub` (the network's hub
    library, set by _union_catalogue) sees it."""
    for library, quota in quotas.items():
        library.contribution_quota = quota
        library.save(update_fields=["contribution_quota"])
    period = current_period()
    progress = contribution_progress(Library.objects.filter(network=network).order_by("code"), period)
    log(f"Đóng góp học liệu ({period.label}; thư viện đầu mối {hub.code}): "
        + ", ".join(f"{p.library.code} {p.count}/{p.quota}" for p in progress))


@transaction.atomic
def _union_catalogue(fixtures, network, hub, member, log):
    """Make `hub` the network's hub library; import `member`'s print catalogue (6 records, each with
    a fault or a likely duplicate of the hub's, fixtures/marc/thcs_nsl_catalogue_qc.xml); copy one of
    the hub's records into `member`'s catalogue (copy cataloguing, the source in 035); and run the
    hub's quality control over the network, whose report the admin shows (repository.catalogue)."""
    network.hub = hub
    network.save(update_fields=["hub"])
    report = catalogue_importing.import_marc_files([fixtures / "marc/thcs_nsl_catalogue_qc.xml"], member)
    log(f"Kho sách in của {member.code}: {report.created} biểu ghi mới, {report.failed} lỗi")
    source = CatalogueRecord.objects.get(library=hub, control_number="VN-THCS01000021")
    copy = copy_record(source, member)
    log(f"Biên mục sao chép: “{copy.title}” từ {hub.code} vào {member.code} ({copy.control_number})")
    summary = check_libraries([hub.pk, member.pk])
    log(f"Kiểm soát chất lượng ({hub.code} là thư viện đầu mối): {summary.checked} biểu ghi, "
        f"{summary.failing} biểu ghi có lỗi, {summary.issues} lỗi")


def build_demo(fixtures, log=print):
    """Create the demo data from the files under `fixtures` (a Path); `log` receives progress lines."""
    User = get_user_model()
    network = LibraryNetwork.objects.create(name="Liên thông thư viện THCS quận Hoàn Kiếm", code="HK")
    tv = Library.objects.create(name="Thư viện Trường THCS Trưng Vương", code="THCS-TV",
                                district="Hoàn Kiếm", province="Hà Nội", network=network)
    nsl = Library.objects.create(name="Thư viện Trường THCS Ngô Sĩ Liên", code="THCS-NSL",
                                 district="Hoàn Kiếm", province="Hà Nội", network=network)
    libraries = {lib.code: lib for lib in (tv, nsl)}
    for lib in libraries.values():
        setup_library(lib)
    log(f"Thư viện: {tv.name}, {nsl.name}")

    for username, first, last, role, code in USERS:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, first_name=first,
                                        last_name=last, email=f"{username}@truong.example")
        if role is None:
            user.is_superuser = user.is_staff = True
            user.save()
        else:
            add_member(user, libraries[code], role)

    groups = [
        ("Toán - Tin", [Subject.TOAN, Subject.TIN_HOC], "totruong_toan", ["giaovien_toan"]),
        ("Ngữ văn", [Subject.NGU_VAN, Subject.TIENG_VIET], "totruong_van", ["giaovien_van"]),
        ("Tiếng Anh", [Subject.TIENG_ANH], "totruong_anh", []),
        ("Lịch sử - Địa lí", [Subject.LICH_SU, Subject.DIA_LY, Subject.LICH_SU_DIA_LY], "totruong_su", []),
    ]
    for name, subjects, leader, members in groups:
        create_subject_group(tv, name, subjects, leader=_user(leader), members=[_user(m) for m in members])
    log("Tổ chuyên môn: " + ", ".join(g[0] for g in groups))

    # THCS-TV asks for the principal's sign-off after the subject group (Library.review_chain).
    tv.review_chain = ReviewChain.SUBJECT_GROUP_PRINCIPAL
    tv.save(update_fields=["review_chain"])
    principal = _user("hieutruong")

    teacher, leader = _user("giaovien_toan"), _user("totruong_toan")
    page = _teacher_upload(
        fixtures, "pdf/maint-guide.vi.pdf", tv, teacher,
        title="Chuyên đề Tin học 10: Đóng gói phần mềm trên Debian", material_type=MaterialType.LESSON_PLAN,
        creators="Nguyễn Thị Lan", subject=Subject.TIN_HOC, grade=10, lesson="Chuyên đề: phần mềm nguồn mở",
        summary="Tài liệu tham khảo tiếng Việt cho chuyên đề học tập Tin học 10 về phần mềm nguồn mở.",
        ddc="005.3", access_level=AccessLevel.PUBLIC, rights="CC-BY-SA-4.0", school_year="2025-2026",
        semester=1,
    )
    _review(page, leader, approve=True, comment="Tổ Toán - Tin đồng ý đưa vào kho học liệu.")
    _review(page, principal, approve=True, comment="Đồng ý ban hành.")

    page = _teacher_upload(
        fixtures, "pdf/nics-background-checks-2015-11.pdf", tv, teacher,
        title="Bài tập thống kê: đọc bảng số liệu", material_type=MaterialType.LESSON_PLAN,
        creators="Nguyễn Thị Lan\nTrần Văn Hùng", subject=Subject.TOAN, grade=7,
        textbook_series=TextbookSeries.KNTT, lesson="Chương V. Thu thập và biểu diễn dữ liệu",
        summary="Phiếu bài tập đọc và phân tích bảng số liệu thống kê.", ddc="519.5",
        access_level=AccessLevel.SCHOOL, school_year="2025-2026", semester=2,
    )
    _review(page, leader, approve=True, comment="Đạt yêu cầu.")  # then waits for the principal's sign-off

    van_teacher = _user("giaovien_van")
    page = _teacher_upload(
        fixtures, "office/tbl-having-tables.docx", tv, van_teacher,
        title="Kế hoạch bài dạy: Tôi đi học (Thanh Tịnh)", material_type=MaterialType.LESSON_PLAN,
        creators="Lê Thị Mai", subject=Subject.NGU_VAN, grade=8, textbook_series=TextbookSeries.CANH_DIEU,
        lesson="Bài 1. Tôi đi học", access_level=AccessLevel.GROUP, school_year="2025-2026", semester=1,
    )
    _review(page, _user("totruong_van"), approve=False,
            comment="Cần bổ sung phần hoạt động vận dụng và tiêu chí đánh giá.")

    _teacher_upload(
        fixtures, "office/test.pptx", tv, teacher,
        title="Bài giảng điện tử: Phân số (Toán 6)", material_type=MaterialType.SLIDES,
        creators="Nguyễn Thị Lan", subject=Subject.TOAN, grade=6, textbook_series=TextbookSeries.CTST,
        lesson="Bài 1. Phân số với tử và mẫu là số nguyên", access_level=AccessLevel.SCHOOL,
    )
    log("Học liệu của giáo viên: 1 đã duyệt và ký duyệt, 1 chờ ban giám hiệu ký duyệt, 1 bị trả lại, "
        "1 đang chờ tổ duyệt")

    librarian = _user("thuvien")
    audiobooks = [
        ("audio/sach_noi_espeak_vi.mp3", "Sách nói: Xin chào các em", Subject.TIENG_VIET, 6, "vie"),
        ("audio/auphonic_chapter_marks_demo.mp3", "Sách nói tiếng Anh: Chapter marks demo", Subject.TIENG_ANH,
         9, "eng"),
        ("audio/chapters_test.m4b", "Sách nói: Mười chương ngắn (M4B)", Subject.TIENG_ANH, 7, "eng"),
    ]
    for relative, title, subject, grade, language in audiobooks:
        material_file = _material_file(fixtures / relative, title, tv, librarian)
        page = MaterialPage(file=material_file, owner=librarian, live=False, title=title,
                            slug=unique_child_slug(tv.index_page, title),
                            material_type=MaterialType.AUDIOBOOK, creators=tv.name, subject=subject,
                            grade=grade, language=language, access_level=AccessLevel.PUBLIC,
                            rights="CC-BY-4.0", ddc="428.6" if language == "eng" else "495.922")
        tv.index_page.add_child(instance=page)
        page.save_revision(user=librarian).publish(user=librarian)
    log(f"Sách nói: {len(audiobooks)}")

    # Video lessons: a phone recording stored sideways (its rendition is upright, at most 720p) and an
    # MKV with two chapters (its rendition plays in browsers, its chapters are the player's list).
    videos = [
        ("video/internal_emulator_transformer_output_270_rotated.mp4",
         "Video bài giảng: Quan sát con vật nuôi (quay bằng điện thoại)", Subject.OTHER, AccessLevel.SCHOOL),
        ("video/sample_with_chapters.mkv", "Video bài giảng: Bảng màu chuẩn (hai chương)", Subject.OTHER,
         AccessLevel.PUBLIC),
    ]
    for relative, title, subject, access_level in videos:
        material_file = _material_file(fixtures / relative, title, tv, librarian)
        page = MaterialPage(file=material_file, owner=librarian, live=False, title=title,
                            slug=unique_child_slug(tv.index_page, title), material_type=MaterialType.VIDEO,
                            creators=tv.name, subject=subject, grade=6, language="vie",
                            access_level=access_level, rights=Rights.ALL_RIGHTS_RESERVED, ddc="371.33",
                            summary="Tệp mẫu của androidx/media, cấp phép Apache-2.0 "
                                    "(xem fixtures/SOURCES.md).")
        tv.index_page.add_child(instance=page)
        page.save_revision(user=librarian).publish(user=librarian)
    log(f"Video bài giảng: {len(videos)}")

    # Digitised in-house materials: a scanned PDF, a multi-page TIFF and a set of two page images
    # uploaded together (assembled into one TIFF, the images kept), with no text of their own; OCR
    # makes each a searchable PDF/A, so words of the scan (e.g. "kỉ yếu") find them.
    scans = [
        ("pdf/vi_scan_thong_bao_imageonly.pdf", "Thông báo số hoá tài liệu nội sinh (bản quét PDF)"),
        ("images/vi_scan_thong_bao.tif", "Thông báo số hoá tài liệu nội sinh (ảnh quét TIFF)"),
    ]
    page_set_title = "Thông báo số hoá tài liệu nội sinh (bộ ảnh trang JPEG và PNG)"
    page_set = check_page_images([PageSource(name=path.name, path=path) for path in (
        fixtures / "images/vi_scan_thong_bao_p1.jpg", fixtures / "images/vi_scan_thong_bao_p2.png")])
    for relative, title in [*scans, (None, page_set_title)]:
        if relative is None:  # the two page images uploaded together: one material, one TIFF
            material_file = store_page_set(page_set.good, tv, librarian, title)
        else:
            material_file = _material_file(fixtures / relative, title, tv, librarian)
        page = MaterialPage(file=material_file, owner=librarian, live=False, title=title,
                            slug=unique_child_slug(tv.index_page, title),
                            material_type=MaterialType.DIGITISED, creators=tv.name, subject=Subject.OTHER,
                            language="vie", access_level=AccessLevel.PUBLIC, rights="CC-BY-4.0", ddc="027.8",
                            summary="Bản quét hai trang; chữ trong ảnh được nhận dạng (OCR) để tìm kiếm.")
        tv.index_page.add_child(instance=page)
        page.save_revision(user=librarian).publish(user=librarian)
    log(f"Tài liệu số hoá (bản quét, OCR): {len(scans) + 1}, một trong đó là bộ ảnh trang")

    _print_catalogue(fixtures, tv, librarian, log)
    _union_catalogue(fixtures, network, tv, nsl, log)

    report = import_materials(
        [fixtures / "pdf/scotus-transcript-p1.pdf", fixtures / "office/pptx-tbl-cell.pptx",
         fixtures / "broken/truncated_jfk.mp3", fixtures / "broken/empty.pdf"],
        tv, MaterialType.DIGITISED, subject=Subject.LICH_SU, grade=9, publish=True, user=librarian,
    )
    log(f"Thư viện nhập lô: {len(report.imported)} tệp, bỏ qua {len(report.skipped)}")
    for path, reason in report.skipped:
        log(f"  bỏ qua {Path(path).name}: {reason}")

    nsl_teacher = _user("giaovien_nsl")
    _teacher_upload(
        fixtures, "office/tbl-having-tables.docx", nsl, nsl_teacher,
        title="Kế hoạch bài dạy: Lịch sử địa phương Hoàn Kiếm", material_type=MaterialType.LESSON_PLAN,
        creators="Phan Minh Quang", subject=Subject.LICH_SU, grade=8, access_level=AccessLevel.SCHOOL,
        school_year="2025-2026", semester=2,
    )
    log("THCS-NSL chưa có tổ chuyên môn và ban giám hiệu: bài của giaovien_nsl chờ thuvien_nsl duyệt")

    nsl_librarian = _user("thuvien_nsl")
    page = _teacher_upload(
        fixtures, "pdf/issue-33-lorem-ipsum.pdf", nsl, nsl_teacher,
        title="Kế hoạch bài dạy: Bảo tồn di tích Hồ Gươm", material_type=MaterialType.LESSON_PLAN,
        creators="Phan Minh Quang", subject=Subject.LICH_SU, grade=8, access_level=AccessLevel.GROUP,
        summary="Kế hoạch bài dạy mẫu (tệp minh hoạ) cho chủ đề lịch sử địa phương.",
    )
    _review(page, nsl_librarian, approve=True, comment="Đồng ý đưa vào kho học liệu của trường.")
    log("THCS-NSL: thuvien_nsl duyệt một kế hoạch bài dạy của giaovien_nsl")

    _contribution_quotas(network, tv, {tv: 3, nsl: 2}, log)

    # An English recording: its material's transcript language is English.
    import_materials([fixtures / "audio/jfk.flac"], nsl, MaterialType.AUDIOBOOK, subject=Subject.TIENG_ANH,
                     grade=9, publish=True, user=nsl_librarian, creators="John F. Kennedy",
                     access_level=AccessLevel.GROUP, transcript_language=TranscriptLanguage.EN)
