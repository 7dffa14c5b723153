"""Independent MARC checkers for the tests: yaz-marcdump, MARC::Lint (marclint) and xmllint.

Debian packages yaz, libmarc-lint-perl and libxml2-utils (Makefile APT_PACKAGES). A missing tool
fails the test that needs it: a check that cannot run must never pass silently.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

MARC21_SLIM_XSD = Path(__file__).resolve().parents[2] / "fixtures" / "xsd" / "MARC21slim.xsd"
TOOL_TIMEOUT_SECONDS = 60
PACKAGE_OF_TOOL = {"yaz-marcdump": "yaz", "marclint": "libmarc-lint-perl", "xmllint": "libxml2-utils"}


def _run(tool, *args):
    """Run `tool` with `args`; return (exit status, stdout + stderr as text). Fails if it is missing."""
    executable = shutil.which(tool)
    if executable is None:
        package = PACKAGE_OF_TOOL[tool]
        pytest.fail(f"{tool} is not installed (Debian package {package}; run `make system-deps`)")
    completed = subprocess.run(
        [executable, *map(str, args)], capture_output=True, timeout=TOOL_TIMEOUT_SECONDS, check=False
    )
    return completed.returncode, (completed.stdout + completed.stderr).decode("utf-8", "replace")


def yaz_marcdump_problems(path):
    """What `yaz-marcdump -n PATH` reports about ISO 2709 structure ("" when the file is clean).

    -n parses every record without printing it; yaz prints each problem (a bad length, directory
    or separator) as an XML comment on standard output and exits non-zero on a fatal one.
    """
    status, output = _run("yaz-marcdump", "-n", path)
    return output.strip() if status == 0 else f"exit status {status}\n{output}".strip()


def marclint_warnings(path):
    """What MARC::Lint says about the ISO 2709 file at `path` ("" when it has no warning).

    marclint prints, for each record with problems, its title then one warning a line; --quiet
    drops the file name banner and --nostats the summary table, so a clean file prints nothing.
    """
    status, output = _run("marclint", "--quiet", "--nostats", path)
    return output.strip() if status == 0 else f"exit status {status}\n{output}".strip()


def marcxml_schema_errors(path):
    """What `xmllint --noout --schema MARC21slim.xsd PATH` reports ("" when the document is valid)."""
    status, output = _run("xmllint", "--nonet", "--noout", "--schema", MARC21_SLIM_XSD, path)
    return "" if status == 0 else f"exit status {status}\n{output}".strip()
