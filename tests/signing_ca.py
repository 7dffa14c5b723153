"""The demo certificate authority for the signature tests (repository.demo_ca), made once per run."""

from pathlib import Path

from repository.demo_ca import DemoSigner, make_demo_ca

PASSWORD = "mat-khau-thu"
LIBRARY_CN = "Thư viện Trường THCS Nguyễn Du"
PRINCIPAL_CN = "Hoàng Văn Bình"
LIBRARY_P12 = "library-THCS-ND.p12"
PRINCIPAL_P12 = "user-hieutruong.p12"


def make_test_ca(directory):
    """Make the test CA in `directory` (a Path): ca.pem, a library's and a principal's PKCS#12 files
    (PASSWORD). Returns `directory`."""
    make_demo_ca(directory, [
        DemoSigner(LIBRARY_P12, LIBRARY_CN, "THCS Nguyễn Du"),
        DemoSigner(PRINCIPAL_P12, PRINCIPAL_CN, "THCS Nguyễn Du"),
    ], PASSWORD)
    return Path(directory)
