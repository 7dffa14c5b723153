"""Hashing through the storage API and local_path, on local disk and on S3 (moto, in process)."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import FileField
from django.db.models.fields.files import FieldFile

from media_pipeline.files import digest_fieldfile, digest_fileobj, local_path


def _fieldfile(storage, name):
    field = FileField(storage=storage)
    field.name = "file"
    return FieldFile(None, field, name)


def test_digest_streams_in_chunks(fixture_path):
    path = fixture_path("pdf/maint-guide.vi.pdf")
    data = path.read_bytes()
    with open(path, "rb") as fileobj:
        digest = digest_fileobj(fileobj, chunk_size=4096)
        assert fileobj.tell() == 0
    assert digest.sha256 == hashlib.sha256(data).hexdigest()
    assert digest.size == len(data)


def test_local_storage_yields_the_stored_file(tmp_path, fixture_path):
    storage = FileSystemStorage(location=tmp_path)
    data = fixture_path("audio/spk1_snt1.wav").read_bytes()
    name = storage.save("a/spk1.wav", ContentFile(data))
    fieldfile = _fieldfile(storage, name)
    assert digest_fieldfile(fieldfile).sha256 == hashlib.sha256(data).hexdigest()
    with local_path(fieldfile) as path:
        assert path == storage.path(name)
    assert (tmp_path / name).exists()  # the original is never removed


def test_uncommitted_upload_is_hashed_without_storage(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    fieldfile = _fieldfile(storage, None)
    upload = SimpleUploadedFile("x.pdf", b"%PDF-1.4 hello")
    fieldfile.file = upload
    fieldfile.name = "x.pdf"
    fieldfile._committed = False
    assert digest_fieldfile(fieldfile).size == 14
    assert not any(tmp_path.iterdir())


@pytest.fixture
def s3_storage():
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    from storages.backends.s3 import S3Storage

    with moto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="hoclieu-test")
        yield S3Storage(bucket_name="hoclieu-test", region_name="us-east-1", access_key="x", secret_key="x")


def test_s3_digest_and_local_copy(s3_storage, fixture_path):
    data = fixture_path("audio/chapters_test.m4b").read_bytes()
    name = s3_storage.save("originals/book.m4b", ContentFile(data))
    fieldfile = _fieldfile(s3_storage, name)
    digest = digest_fieldfile(fieldfile, chunk_size=65536)
    assert digest.sha256 == hashlib.sha256(data).hexdigest() and digest.size == len(data)
    with local_path(fieldfile) as path:
        assert path.endswith(".m4b")
        with open(path, "rb") as fileobj:
            assert fileobj.read() == data
    import os

    assert not os.path.exists(path)  # the temporary copy is gone
    assert s3_storage.exists(name)  # the original stays
