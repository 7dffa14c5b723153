"""System checks of the external programs (repository.checks) and `manage.py media_tools`."""

import io
import re
import stat
import subprocess

import pytest
from django.core.management import call_command
from django.utils import translation

from repository import checks
from repository.checks import (
    check_media_tool_versions,
    check_media_tools,
    media_tool_report,
    media_tools,
    parse_version,
)

TOOLS = ["ffmpeg", "ffprobe", "pdftoppm", "pdftotext", "tesseract", "ocrmypdf", "libreoffice", "espeak-ng",
         "chromium"]
INSTALLED_BY_MAKE = TOOLS


@pytest.fixture
def empty_path(monkeypatch, tmp_path):
    """PATH is an empty directory (returned): no program can be found by name."""
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", str(directory))
    monkeypatch.delenv("HOCLIEU_CHROMIUM", raising=False)
    return directory


def fake_program(directory, name, script):
    """Write an executable shell script `name` running `script` in `directory`; returns its path."""
    path = directory / name
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def by_tool(messages):
    """{tool name: message} for the messages naming a tool of TOOLS first."""
    result = {}
    for message in messages:
        name = next(tool for tool in TOOLS if tool in message.msg)
        result[name] = message
    return result


def test_every_missing_tool_is_named_with_what_stops_working(empty_path):
    messages = check_media_tools(None)
    assert {message.id for message in messages} == {"hoclieu.W001"}
    assert len(messages) == len(TOOLS)
    named = by_tool(messages)
    assert set(named) == set(TOOLS)
    for tool in media_tools():
        message = named[tool.name]
        assert str(tool.without) in message.msg, tool.name
        assert tool.package in message.hint, tool.name
    assert "HOCLIEU_FFMPEG" in named["ffmpeg"].msg
    assert "Sách nói không có bản phát trực tuyến" in named["ffmpeg"].msg
    assert "tests/e2e" in named["chromium"].msg
    # LibreOffice: make installs its Debian packages; without it the previews stop, nothing else.
    assert "libreoffice-writer-nogui libreoffice-impress-nogui" in named["libreoffice"].hint
    assert "soffice / libreoffice" in named["libreoffice"].msg
    assert "tìm kiếm và MARC của chúng vẫn chạy" in named["libreoffice"].msg


def test_a_setting_naming_no_program_is_reported(settings):
    settings.HOCLIEU_FFMPEG = "/nonexistent/ffmpeg"
    settings.HOCLIEU_FFPROBE = "no-such-ffprobe"
    named = by_tool(check_media_tools(None))
    assert "/nonexistent/ffmpeg" in named["ffmpeg"].msg and "HOCLIEU_FFMPEG" in named["ffmpeg"].msg
    assert "no-such-ffprobe" in named["ffprobe"].msg and "HOCLIEU_FFPROBE" in named["ffprobe"].hint


def test_messages_are_translated(empty_path):
    with translation.override("en"):
        named = by_tool(check_media_tools(None))
    assert named["ffmpeg"].msg.startswith("ffmpeg was not found (“ffmpeg”, setting HOCLIEU_FFMPEG).")
    assert "Audiobooks get no streaming rendition" in named["ffmpeg"].msg
    assert named["pdftotext"].hint == (
        "Install the Debian package poppler-utils (make demo and make test install it). "
        "Or add the program's directory to PATH."
    )
    assert "HOCLIEU_CHROMIUM" in named["chromium"].hint
    assert "make demo and make test install it" in named["libreoffice"].hint
    assert "search and MARC still work" in named["libreoffice"].msg


@pytest.mark.parametrize(
    ("output", "version"),
    [
        ("ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers\nbuilt with gcc 12",
         "5.1.9-0+deb12u1"),
        ("ffmpeg version n6.1.1 Copyright (c) 2000-2023 the FFmpeg developers", "n6.1.1"),
        ("ffmpeg version N-113684-g1c8e6b4e Copyright (c) 2000-2024", "N-113684-g1c8e6b4e"),
        ("\npdftoppm version 22.12.0\nCopyright 2005-2022 The Poppler Developers", "22.12.0"),
        ("tesseract 5.3.0\n leptonica-1.82.0\n  libgif 5.2.1", "5.3.0"),
        ("eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/x86_64-linux-gnu/espeak-ng-data", "1.51"),
        ("Chromium 156.0.8078.79 built on Debian GNU/Linux 12 (bookworm)\n"
         "/usr/bin/chromium: 9: [: 25274986496: unexpected operator", "156.0.8078.79"),
        ("LibreOffice 7.4.7.2 40(Build:2)", "7.4.7.2"),
        ("sox:      SoX v14.4.2", "14.4.2"),
        ("no version here\n", None),
        ("Version: unknown\nbuilt 2024", None),
        ("", None),
    ],
)
def test_parse_version(output, version):
    assert parse_version(output) == version


@pytest.mark.parametrize("name", INSTALLED_BY_MAKE)
def test_the_tools_installed_by_make_are_found_with_their_version(name):
    status = next(status for status in media_tool_report() if status.tool.name == name)
    assert status.found, f"{name} is missing: `make test` installs it (Makefile APT_PACKAGES)"
    assert status.version and re.match(r"^[0-9nN]", status.version), (name, status.version)
    if name == "ffmpeg":
        first_line = subprocess.run([status.path, "-version"], capture_output=True, text=True).stdout
        assert first_line.startswith(f"ffmpeg version {status.version} ")
    if name == "tesseract":
        assert "vie" in status.languages
        assert not status.missing_languages


def test_a_soffice_setting_naming_no_program_is_reported(settings, tmp_path):
    settings.HOCLIEU_SOFFICE = str(tmp_path / "no-such-soffice")
    message = by_tool(check_media_tools(None))["libreoffice"]
    assert "no-such-soffice" in message.msg and "HOCLIEU_SOFFICE" in message.msg
    assert "bản xem trước PDF" in message.msg


def test_info_lists_the_versions_found():
    (info,) = check_media_tool_versions(None)
    assert info.id == "hoclieu.I001"
    for status in media_tool_report():
        if status.found:
            assert f"{status.tool.name} {status.version}" in info.msg
        else:
            assert f"{status.tool.name}: không có" in info.msg


def test_tesseract_without_vietnamese_is_reported(empty_path):
    fake_program(empty_path, "tesseract", 'if [ "$1" = "--list-langs" ]; then\n'
                 '  echo \'List of available languages in "/x/" (2):\'; echo eng; echo osd\n'
                 'else echo "tesseract 5.3.0"; fi')
    (status,) = [status for status in media_tool_report() if status.tool.name == "tesseract"]
    assert status.found and status.version == "5.3.0"
    assert status.languages == {"eng", "osd"} and status.missing_languages == ("vie",)
    warning = by_tool(check_media_tools(None))["tesseract"]
    assert "vie" in warning.msg and "tesseract-ocr-vie" in warning.hint


def test_a_program_that_hangs_or_fails_gives_no_version(empty_path, monkeypatch):
    monkeypatch.setattr(checks, "VERSION_TIMEOUT", 0.5)
    fake_program(empty_path, "espeak-ng", "sleep 5")
    fake_program(empty_path, "pdftoppm", "echo 'boom' >&2; exit 3")
    report = {status.tool.name: status for status in media_tool_report()}
    for name in ("espeak-ng", "pdftoppm"):
        assert report[name].found and report[name].version is None, name
    assert "espeak-ng ?" in check_media_tool_versions(None)[0].msg


def test_chromium_is_looked_for_where_the_browser_tests_look(empty_path, monkeypatch, tmp_path):
    browser = fake_program(tmp_path, "my-chromium", "echo 'Chromium 150.0.1.2 built on Debian'")
    monkeypatch.setenv("HOCLIEU_CHROMIUM", str(browser))
    (status,) = [status for status in media_tool_report() if status.tool.name == "chromium"]
    assert status.path == str(browser) and status.version == "150.0.1.2"


def test_media_tools_command_prints_a_table():
    out = io.StringIO()
    call_command("media_tools", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:4] == ["Công", "cụ", "Đường", "dẫn"]
    assert "Phiên bản" in lines[0] and "Cần cho" in lines[0]
    rows = {line.split()[0]: line for line in lines[2:2 + len(TOOLS)]}
    assert set(rows) == set(TOOLS)
    for status in media_tool_report():
        row = rows[status.tool.name]
        assert str(status.tool.needed_for) in row
        if status.found:
            assert status.path in row and status.version in row
        else:
            assert "không tìm thấy" in row
            assert f"{status.tool.name}: {status.tool.without}" in out.getvalue()


def test_media_tools_command_speaks_english_when_asked(empty_path):
    out = io.StringIO()
    with translation.override("en"):
        call_command("media_tools", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0].split() == ["Tool", "Path", "Version", "Needed", "for"]
    assert "not found (ffmpeg)" in text
    assert "Browser tests (tests/e2e, Playwright)" in text
