"""Local development and `make demo`: e-mail to files, SQLite and local files, DEBUG off by default.

The demo runs as the site will: Hoclieu's own 404/500 pages, static files served by WhiteNoise from
STATIC_ROOT (`make demo` runs collectstatic). HOCLIEU_DEBUG=1 turns Django's debug pages on for a
developer's own machine (with it, WhiteNoise serves static files from the apps, no collectstatic).
"""

import os

from .base import *  # noqa: F401,F403
from .base import VAR_DIR

DEBUG = os.environ.get("HOCLIEU_DEBUG", "") == "1"
# Mail (review notifications) is written to files under var/mail instead of being sent.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"
ALLOWED_HOSTS = ["*"]
# The demo certificate authority (manage.py make_demo_ca, run by load_demo): its PKCS#12 files sign
# approved lesson plans, its certificate is the trust root.
HOCLIEU_SIGNING_PKCS12_DIR = str(VAR_DIR / "demo-ca")
HOCLIEU_SIGNING_PKCS12_PASSWORD = "hoclieu-demo-ca"
HOCLIEU_SIGNING_TRUST_ROOTS = [str(VAR_DIR / "demo-ca" / "ca.pem")]
