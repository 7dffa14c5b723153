"""Storage classes for material files on S3-compatible object storage (django-storages)."""

from storages.backends.s3 import S3Storage


class PrivateMediaStorage(S3Storage):
    """Material originals and derivatives: private objects, never overwritten, short-lived signed URLs.

    Files are only reached through Hoclieu's own views, which check the material's access level
    before they stream the bytes or redirect to a signed URL valid for `querystring_expire` seconds.
    """

    default_acl = "private"
    file_overwrite = False
    querystring_auth = True
    querystring_expire = 300
