"""Production: everything from the environment.

DATABASE_URL            postgres://user:pass@host:5432/hoclieu
DJANGO_SECRET_KEY       required
DJANGO_ALLOWED_HOSTS    comma-separated host names
AWS_STORAGE_BUCKET_NAME switches file storage to S3 (private ACL, no overwrite); with
AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY as boto3 reads them.
"""

import os

from .base import *  # noqa: F401,F403
from .base import STORAGES

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
SESSION_COOKIE_SECURE = os.environ.get("HOCLIEU_HTTPS", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {"BACKEND": "repository.storage.PrivateMediaStorage"}
    AWS_STORAGE_BUCKET_NAME = os.environ["AWS_STORAGE_BUCKET_NAME"]
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL")
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME")
    # Wagtail's document view reads whole objects; spill anything over 8 MiB to disk, not memory.
    AWS_S3_MAX_MEMORY_SIZE = 8 * 1024 * 1024
