"""Local development and `make demo`: DEBUG on, console e-mail, SQLite and local files."""

from .base import *  # noqa: F401,F403

DEBUG = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
ALLOWED_HOSTS = ["*"]
