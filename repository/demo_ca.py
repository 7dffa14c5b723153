"""A self-signed demo certificate authority and signing certificates, for `make demo` and the tests.

`make_demo_ca(directory, ...)` writes, with the `cryptography` package:

- `ca.pem` (the CA's certificate, PEM; the trust root of the demo, HOCLIEU_SIGNING_TRUST_ROOTS) and
  `ca-key.pem` (its private key, PEM, encrypted with the password);
- one PKCS#12 file (RFC 7292) per signer: `library-<CODE>.p12` for a library and `user-<username>.p12`
  for a person (a principal), each holding an RSA 2048 key, its certificate (key usage
  digitalSignature and nonRepudiation, as PAdES signers' certificates carry) and the CA certificate,
  protected by the same password.

It is idempotent: an existing CA and existing PKCS#12 files are kept (their certificates stay the same
from one `load_demo` to the next); only missing signers are issued. These certificates prove nothing
outside the demo: no Vietnamese CA issued them.
"""

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

CA_CERT_NAME = "ca.pem"
CA_KEY_NAME = "ca-key.pem"
KEY_SIZE = 2048
CA_YEARS, SIGNER_YEARS = 10, 3


@dataclass(frozen=True)
class DemoSigner:
    """One signer to issue: `filename` (e.g. "library-THCS-TV.p12"), `common_name` (subject CN, the
    name people read), `organization` (subject O)."""

    filename: str
    common_name: str
    organization: str


def library_p12_name(code):
    """File name of library `code`'s PKCS#12 file in the demo CA directory."""
    return f"library-{code}.p12"


def user_p12_name(username):
    """File name of user `username`'s PKCS#12 file in the demo CA directory."""
    return f"user-{username}.p12"


def _name(common_name, organization):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _write_private(path, data):
    """Write `data` (bytes) to `path` readable by the owner only, atomically."""
    partial = f"{path}.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)


def _load_or_make_ca(directory, password):
    cert_path, key_path = directory / CA_CERT_NAME, directory / CA_KEY_NAME
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=password.encode())
        return cert, key, False
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    name = _name("Hoclieu Demo CA (không dùng thật)", "Hoclieu demo")
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode())))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key, True


def issue_signer(ca_cert, ca_key, common_name, organization):
    """(private key, certificate) of a new signer issued by the CA: RSA 2048, SHA-256, key usage
    digitalSignature + nonRepudiation (critical), valid SIGNER_YEARS years from yesterday."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(_name(common_name, organization)).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * SIGNER_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def make_demo_ca(directory, signers, password):
    """Make (or complete) the demo CA in `directory` (str or Path, created if missing).

    `signers`: DemoSigner objects; `password`: str protecting the CA key and every PKCS#12 file.
    Returns a dict {"ca": Path of ca.pem, "created": [file names written this time]}.
    Raises ValueError when an existing CA key does not open with `password`.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key, new_ca = _load_or_make_ca(directory, password)
    created = [CA_CERT_NAME, CA_KEY_NAME] if new_ca else []
    for signer in signers:
        path = directory / signer.filename
        if path.exists() and not new_ca:
            continue
        key, cert = issue_signer(ca_cert, ca_key, signer.common_name, signer.organization)
        data = pkcs12.serialize_key_and_certificates(
            signer.common_name.encode(), key, cert, [ca_cert],
            serialization.BestAvailableEncryption(password.encode()),
        )
        _write_private(path, data)
        created.append(signer.filename)
    return {"ca": directory / CA_CERT_NAME, "created": created}
