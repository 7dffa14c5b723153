"""English as the second language: the switcher, pages in English, and a complete catalogue.

The interface's msgids are Vietnamese (LANGUAGE_CODE = "vi"); cms/locale/en/LC_MESSAGES/django.po
translates them. The catalogue checks parse the .po with a small reader (GNU gettext PO format,
https://www.gnu.org/software/gettext/manual/html_node/PO-Files.html) and the compiled .mo with the
standard library's gettext, so a string added without a translation, a placeholder lost in
translation, or a .mo not recompiled after editing the .po fails here.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from haystack import connections

LOCALE = Path(__file__).resolve().parents[2] / "cms" / "locale"
PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "en" / "LC_MESSAGES" / "django.mo"

# Python %-placeholders (%(name)s, %(n)d, %s) and brace groups ({title, start, end}).
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]|\{[^{}]*\}")
PO_LINE = re.compile(r'^(?P<keyword>msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (?P<text>".*")$')


def read_po(path):
    """Entries of the PO file at `path`, the header and obsolete (#~) entries left out.

    Returns a list of dicts: "msgid", optional "msgctxt" and "msgid_plural", "msgstr" (a list: one
    string, or one per plural form), "flags" (set of the "#," flags) and "line" (1-based line of the
    msgid). Raises ValueError on a line that is not PO syntax.
    """
    entries, entry, keyword, flags = [], None, None, set()

    def finish():
        if entry is not None and entry.get("msgid") and not entry["obsolete"]:
            entries.append(entry)

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        obsolete = line.startswith("#~ ")
        if obsolete:
            line = line[3:]
        match = PO_LINE.match(line)
        if match:
            keyword, text = match["keyword"], ast.literal_eval(match["text"])
            if keyword in ("msgctxt", "msgid") and (entry is None or entry["msgstr"]):
                finish()
                entry, flags = {"flags": flags, "msgstr": [], "obsolete": obsolete}, set()
            if entry is None:
                raise ValueError(f"{path}:{number}: {keyword} before msgid")
            if keyword.startswith("msgstr"):
                entry["msgstr"].append(text)
            else:
                entry[keyword] = text
                entry.setdefault("line", number)
        elif line.startswith('"') and keyword:
            text = ast.literal_eval(line)
            if keyword.startswith("msgstr"):
                entry["msgstr"][-1] += text
            else:
                entry[keyword] += text
        elif line.startswith("#") or not line.strip():
            if entry is not None and entry["msgstr"]:  # a comment or blank line ends an entry
                finish()
                entry = None
            keyword = None
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
        else:
            raise ValueError(f"{path}:{number}: not PO syntax: {line!r}")
    finish()
    return entries


def placeholders(text):
    """The sorted list of placeholders in `text` (see PLACEHOLDER)."""
    return sorted(PLACEHOLDER.findall(text))


# --- the catalogue ------------------------------------------------------------------------------


def test_catalogue_is_read():
    entries = read_po(PO)
    assert len(entries) > 200
    by_id = {e["msgid"]: e for e in entries}
    assert by_id["Lớp %(grade)d"]["msgstr"] == ["Grade %(grade)d"]
    plural = next(e for e in entries if "msgid_plural" in e)
    assert len(plural["msgstr"]) == 2


def test_every_msgid_is_translated_with_its_placeholders():
    problems = []
    for entry in read_po(PO):
        where = f"django.po:{entry['line']} {entry['msgid']!r}"
        if "fuzzy" in entry["flags"]:
            problems.append(f"{where}: marked fuzzy")
        expected_forms = 2 if "msgid_plural" in entry else 1
        if len(entry["msgstr"]) != expected_forms:
            problems.append(f"{where}: {len(entry['msgstr'])} msgstr forms, expected {expected_forms}")
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        for index, msgstr in enumerate(entry["msgstr"]):
            if not msgstr.strip():
                problems.append(f"{where}: msgstr[{index}] is empty")
            elif placeholders(msgstr) != placeholders(sources[min(index, 1)]):
                problems.append(f"{where}: placeholders {placeholders(msgstr)} in msgstr[{index}], "
                                f"expected {placeholders(sources[min(index, 1)])}")
    assert not problems, "run makemessages and translate:\n" + "\n".join(problems)


def test_header_declares_english_utf8_and_plural_forms():
    header = PO.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert '"Language: en\\n"' in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header
    assert "#, fuzzy" not in header


def test_compiled_catalogue_matches_the_po():
    """The committed .mo holds exactly the .po's translations (recompile after editing the .po)."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in read_po(PO):
        context = entry.get("msgctxt")
        if "msgid_plural" in entry and context is not None:
            got = [compiled.npgettext(context, entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
        elif "msgid_plural" in entry:
            got = [compiled.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
        elif context is not None:
            got = [compiled.pgettext(context, entry["msgid"])]
        else:
            got = [compiled.gettext(entry["msgid"])]
        if got != entry["msgstr"]:
            stale.append(f"{entry['msgid']!r}: .mo has {got}, .po has {entry['msgstr']}")
    assert not stale, "run manage.py compilemessages:\n" + "\n".join(stale)


def test_reader_sees_flags_empty_msgstr_lost_placeholder_and_skips_obsolete(tmp_path):
    broken = tmp_path / "django.po"
    broken.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, python-format\nmsgid "Lớp %(grade)d"\nmsgstr "Grade"\n\n'
        'msgid "Tìm"\nmsgstr ""\n\n'
        '#~ msgid "Cũ"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    entries = read_po(broken)
    assert [e["msgid"] for e in entries] == ["Lớp %(grade)d", "Tìm"]
    assert entries[0]["flags"] == {"python-format"}
    assert placeholders(entries[0]["msgstr"][0]) != placeholders(entries[0]["msgid"])
    assert entries[1]["msgstr"] == [""]


# --- pages ----------------------------------------------------------------------------------------




@pytest.fixture
def material(make_material, django_capture_on_commit_callbacks):
    """A published, public lesson plan (mathematics, grade 6), committed so it is in the search index."""
    connections["default"].get_backend().clear()
    with django_capture_on_commit_callbacks(execute=True):
        return make_material("office/test.docx", title="Phân số", material_type="lesson_plan",
                             subject="toan", grade=6, access_level="public")


def html(response):
    assert response.status_code == 200
    return response.content.decode()


def test_pages_are_vietnamese_by_default(school, material, client):
    search = html(client.get(reverse("search")))
    assert '<html lang="vi">' in search
    assert "Tìm học liệu" in search
    assert "Giáo án / kế hoạch bài dạy" in search
    assert "Search materials" not in search

    page = html(client.get(material.url))
    for label in ("Mức truy cập", "Công khai", "Tác giả", "Tải về", "Toán"):
        assert label in page
    assert "Access level" not in page


def test_language_switcher_turns_pages_english(school, material, client):
    search_url = reverse("search")
    response = client.post(reverse("set_language"), {"language": "en", "next": search_url})
    assert response.status_code == 302 and response["Location"] == search_url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    search = html(client.get(search_url))
    assert '<html lang="en">' in search
    for label in ("<h1>Search materials</h1>", "Latest materials", "Filter results", "Lesson plan",
                  "Mathematics", 'placeholder="Search materials…"'):
        assert label in search
    assert "Tìm học liệu" not in search
    assert "Giáo án / kế hoạch bài dạy" not in search

    page = html(client.get(material.url))
    for label in ("Lesson plan", "Mathematics", "Access level", "Public", "Authors", "Download",
                  "MARC 21 record (ISO 2709)", "Log in"):
        assert label in page
    for vietnamese in ("Mức truy cập", "Tải về", "Đăng nhập"):
        assert vietnamese not in page

    # And back: Vietnamese again.
    client.post(reverse("set_language"), {"language": "vi", "next": search_url})
    assert "Tìm học liệu" in html(client.get(search_url))


def test_english_browser_still_gets_vietnamese_until_english_is_chosen(school, material, client):
    """Vietnamese first: an English Accept-Language alone does not switch the site."""
    search = html(client.get(reverse("search"), {"q": "phan so"}, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8"))
    assert "Tìm học liệu" in search
    assert "Search materials" not in search
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    search = html(client.get(reverse("search"), {"q": "phan so"}, HTTP_ACCEPT_LANGUAGE="vi"))
    assert "1 result for “phan so”" in search


def test_unknown_language_falls_back_to_vietnamese(school, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert "Tìm học liệu" in html(client.get(reverse("search"), HTTP_ACCEPT_LANGUAGE="de"))


def test_grade_label_is_translated(school, material, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Grade 6" in html(client.get(material.url))
