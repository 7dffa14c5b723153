"""Local development and `make demo`: DEBUG on, e-mail to files, SQLite and local files."""

from .base import *  # noqa: F401,F403
from .base import VAR_DIR

DEBUG = True
# Mail (review notifications) is written to files under var/mail instead of being sent.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"
ALLOWED_HOSTS = ["*"]
