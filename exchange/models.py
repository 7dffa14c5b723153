"""The OAI-PMH record table and the harvesters' tokens (provider side); harvest sources, runs and
harvested records (the hub's side, exchange.harvesting).

OaiRecord holds one row per (material, audience) ever exposed through OAI-PMH 2.0
(https://www.openarchives.org/OAI/openarchivesprotocol.html). An audience is who harvests:

- `public`: any anonymous harvester, which sees what an anonymous reader of the site sees
  (published materials with access level public, repository.access);
- `network:<LibraryNetwork pk>`: a library of that network (liên thông), authenticated by its
  HarvesterToken, which sees its network's own shared materials: published materials of the
  network's libraries with access level public or group.

A row is never removed: when its material leaves the audience (unpublished, deleted, access
narrowed, moved out of the network) it becomes a tombstone (`deleted`, OAI-PMH §2.5.1 "persistent"),
and an identifier is only ever in the feed of an audience that once saw it.
"""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

AUDIENCE_PUBLIC = "public"
NETWORK_AUDIENCE_PREFIX = "network:"


def network_audience(network_id):
    """The audience key (str) of LibraryNetwork `network_id`, e.g. "network:3"."""
    return f"{NETWORK_AUDIENCE_PREFIX}{int(network_id)}"


def oai_identifier(page_id):
    """The OAI identifier of material `page_id`: "oai:<repositoryIdentifier>:material/<page id>".

    Follows the oai-identifier syntax (OAI-PMH 2.0 guidelines for repository implementers,
    "Specification and XML Schema for the OAI Identifier Format"); the repository identifier is
    settings.HOCLIEU_OAI_REPOSITORY_IDENTIFIER, a domain name.
    """
    return f"oai:{settings.HOCLIEU_OAI_REPOSITORY_IDENTIFIER}:material/{int(page_id)}"


class OaiRecord(models.Model):
    """One material as one audience's harvester sees it: live or a tombstone.

    `datestamp` (UTC, whole seconds) changes whenever the record changes for that audience: published
    again, left or came back into the audience. The set columns (library code, material type,
    subject) keep the values of the last exposure, so a tombstone stays in the sets it was in.
    """

    page_id = models.PositiveIntegerField(_("mã trang học liệu"), db_index=True)
    audience = models.CharField(_("đối tượng thu thập"), max_length=40)
    datestamp = models.DateTimeField(_("dấu thời gian (UTC)"))
    deleted = models.BooleanField(_("đã xoá"), default=False)
    library = models.ForeignKey(
        "repository.Library", verbose_name=_("thư viện"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    library_code = models.CharField(_("mã thư viện"), max_length=32, blank=True)
    material_type = models.CharField(_("loại học liệu"), max_length=16, blank=True)
    subject = models.CharField(_("môn học"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("biểu ghi OAI-PMH")
        verbose_name_plural = _("biểu ghi OAI-PMH")
        constraints = [
            models.UniqueConstraint(fields=["page_id", "audience"], name="exchange_oairecord_page_audience"),
        ]
        indexes = [
            # Key paging of ListRecords/ListIdentifiers: WHERE audience = ? AND (datestamp, id) > (?, ?)
            # ORDER BY datestamp, id.
            models.Index(fields=["audience", "datestamp", "id"], name="exchange_oai_audience_key"),
        ]

    def __str__(self):
        return f"{self.identifier} ({self.audience}{', deleted' if self.deleted else ''})"

    @property
    def identifier(self):
        """The record's OAI identifier (str), see `oai_identifier`."""
        return oai_identifier(self.page_id)

    @property
    def set_specs(self):
        """The record's setSpecs (list of str): library:<code>, type:<material type>, subject:<subject>."""
        specs = []
        if self.library_code:
            specs.append(f"library:{self.library_code}")
        if self.material_type:
            specs.append(f"type:{self.material_type}")
        if self.subject:
            specs.append(f"subject:{self.subject}")
        return specs


def hash_token(token):
    """SHA-256 hex digest (str, 64 chars) of a harvester token (str)."""
    return hashlib.sha256(token.encode()).hexdigest()


class HarvesterTokenQuerySet(models.QuerySet):
    def resolve(self, token):
        """The active HarvesterToken whose secret is `token` (str), or None."""
        if not token:
            return None
        return self.filter(token_hash=hash_token(token), active=True).select_related("library").first()


class HarvesterToken(models.Model):
    """A library's secret for harvesting its network's group-level records (`Authorization: Bearer`).

    Why a bearer token per library, and not a user's login or HTTP Basic: harvesters are programs run
    by a library system (Koha, another Hoclieu), not people; every OAI-PMH client can send one extra
    header; a token names the library it belongs to, so its network is looked up at each request (a
    library that leaves the network loses access at once), and it is revoked alone without touching
    anyone's password. Only its SHA-256 is stored: the secret is 256 random bits (`secrets`), so a
    fast hash cannot be reversed, and a copy of the database gives no usable token. It is shown once,
    when created (`manage.py oai_token create`).
    """

    library = models.ForeignKey(
        "repository.Library", verbose_name=_("thư viện"), on_delete=models.CASCADE,
        related_name="harvester_tokens",
    )
    name = models.CharField(_("tên"), max_length=128, help_text=_("Ví dụ: Koha của thư viện đầu mối."))
    token_hash = models.CharField(_("SHA-256 của mã"), max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("còn hiệu lực"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True, editable=False)

    objects = HarvesterTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("mã thu thập OAI-PMH")
        verbose_name_plural = _("mã thu thập OAI-PMH")

    def __str__(self):
        return f"{self.library} – {self.name}"

    @classmethod
    def issue(cls, library, name):
        """Create a token for `library` named `name`; returns (HarvesterToken, secret str), the secret
        being the only copy of the token in clear."""
        secret = secrets.token_urlsafe(32)
        return cls.objects.create(library=library, name=name, token_hash=hash_token(secret)), secret


# --- Harvesting (the hub's side) --------------------------------------------------------------

TOKEN_KEY_SALT = b"hoclieu.exchange.HarvestSource.token"


def _token_cipher():
    """The Fernet cipher (AES-128-CBC + HMAC-SHA256, `cryptography`) of stored harvest tokens, keyed
    by SHA-256 of settings.SECRET_KEY and a salt of its own."""
    digest = hashlib.sha256(TOKEN_KEY_SALT + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class HarvestStatus(models.TextChoices):
    """How a harvest ended (HarvestRun.status, HarvestSource.last_status)."""

    NEVER = "never", _("Chưa thu thập")
    RUNNING = "running", _("Đang thu thập")
    SUCCESS = "success", _("Thành công")
    PARTIAL = "partial", _("Có biểu ghi lỗi")
    FAILED = "failed", _("Thất bại")


class HarvestSourceQuerySet(models.QuerySet):
    def due(self, now):
        """Enabled sources with a schedule (interval_minutes > 0) whose next harvest is at or before
        `now` (aware datetime), or that were never scheduled."""
        return self.filter(enabled=True, interval_minutes__gt=0).filter(
            models.Q(next_harvest_at__isnull=True) | models.Q(next_harvest_at__lte=now)
        )


class HarvestSource(models.Model):
    """An OAI-PMH 2.0 feed the hub library harvests into its union catalogue.

    Each record of the feed becomes a harvested CatalogueRecord of `member_library` (the library the
    records belong to; 001/003 kept), received by `receiving_library` (the hub that keeps the union
    catalogue). `last_datestamp` is the `from` of the next incremental harvest: the responseDate of
    the first response of the last harvest that ended without a failure (OAI-PMH 2.0 §3.3.1 and the
    implementation guidelines for harvesters: harvest "from the responseDate of the last harvest"),
    so nothing changed while a harvest ran is missed.

    The Bearer token (RFC 6750) that opens a network's group-level records is sent to the provider
    on every request, so it must be kept readable: it is stored encrypted with a key derived from
    settings.SECRET_KEY (Fernet), never shown again in the admin once saved, and a copy of the
    database alone does not reveal it. Changing SECRET_KEY makes stored tokens unreadable: enter
    them again.
    """

    name = models.CharField(_("tên nguồn"), max_length=128, unique=True,
                            help_text=_("Tên ngắn, dùng với manage.py harvest_oai --source."))
    base_url = models.URLField(_("địa chỉ OAI-PMH (baseURL)"), max_length=500,
                               help_text=_("Ví dụ: https://thcs-nguyendu.edu.vn/oai/"))
    metadata_prefix = models.CharField(_("định dạng (metadataPrefix)"), max_length=64, default="marcxml")
    set_spec = models.CharField(_("tập (set)"), max_length=255, blank=True,
                                help_text=_("Để trống để thu thập mọi biểu ghi, ví dụ library:THCS-ND."))
    receiving_library = models.ForeignKey(
        "repository.Library", verbose_name=_("thư viện đầu mối nhận"), on_delete=models.CASCADE,
        related_name="harvest_sources",
    )
    member_library = models.ForeignKey(
        "repository.Library", verbose_name=_("thư viện thành viên (chủ biểu ghi)"), on_delete=models.CASCADE,
        related_name="harvested_by",
    )
    token_encrypted = models.TextField(_("mã thu thập (đã mã hoá)"), blank=True, editable=False)
    interval_minutes = models.PositiveIntegerField(
        _("chu kì (phút)"), default=24 * 60, help_text=_("0: chỉ thu thập khi chạy lệnh."))
    enabled = models.BooleanField(_("đang dùng"), default=True)
    last_datestamp = models.DateTimeField(_("thu thập đến (from lần sau, UTC)"), null=True, blank=True)
    next_harvest_at = models.DateTimeField(_("lần thu thập tới"), null=True, blank=True)
    last_status = models.CharField(_("kết quả lần cuối"), max_length=16, choices=HarvestStatus.choices,
                                   default=HarvestStatus.NEVER, editable=False)
    last_run_at = models.DateTimeField(_("thu thập lần cuối"), null=True, blank=True, editable=False)

    objects = HarvestSourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("nguồn thu thập OAI-PMH")
        verbose_name_plural = _("nguồn thu thập OAI-PMH")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def token(self):
        """The Bearer token in clear (str), "" when none is stored; raises ValueError when the stored
        one cannot be decrypted (SECRET_KEY changed)."""
        if not self.token_encrypted:
            return ""
        try:
            return _token_cipher().decrypt(self.token_encrypted.encode()).decode()
        except InvalidToken:
            raise ValueError("The stored harvest token cannot be decrypted (SECRET_KEY changed?).") from None

    @token.setter
    def token(self, value):
        value = (value or "").strip()
        self.token_encrypted = _token_cipher().encrypt(value.encode()).decode() if value else ""

    @property
    def has_token(self):
        return bool(self.token_encrypted)

    def clean(self):
        """A source with a token harvests a network's records: its member library must be in the
        receiving library's network, whose readers alone may see them."""
        super().clean()
        if self.has_token and self.receiving_library_id and self.member_library_id:
            receiving, member = self.receiving_library, self.member_library
            if not receiving.network_id or member.network_id != receiving.network_id:
                raise ValidationError({"member_library": _(
                    "Nguồn có mã thu thập mang biểu ghi chỉ dành cho liên thông: thư viện thành viên phải "
                    "thuộc cùng liên thông với thư viện đầu mối."
                )})


class HarvestRun(models.Model):
    """One harvest of a source: when, from which datestamp, what came in and what failed.

    `deleted` counts the records the harvest marked deleted: those a `status="deleted"` header named,
    and, after a complete harvest from the start, those the list no longer held (`dropped` of them;
    exchange.harvesting). `failures` is a list of {"identifier": OAI identifier or "", "reason": str}, at most
    MAX_FAILURES_KEPT kept (`failed` counts them all); `message` says why a run failed as a whole
    (HTTP error, OAI-PMH error, bad XML).
    """

    MAX_FAILURES_KEPT = 1000

    source = models.ForeignKey(HarvestSource, verbose_name=_("nguồn"), on_delete=models.CASCADE,
                               related_name="runs")
    started_at = models.DateTimeField(_("bắt đầu"), auto_now_add=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    status = models.CharField(_("kết quả"), max_length=16, choices=HarvestStatus.choices,
                              default=HarvestStatus.RUNNING)
    full = models.BooleanField(_("thu thập lại toàn bộ"), default=False)
    from_datestamp = models.DateTimeField(_("từ (from)"), null=True, blank=True)
    response_date = models.DateTimeField(_("responseDate đầu tiên"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("số trang"), default=0)
    created = models.PositiveIntegerField(_("mới"), default=0)
    updated = models.PositiveIntegerField(_("cập nhật"), default=0)
    unchanged = models.PositiveIntegerField(_("không đổi"), default=0)
    deleted = models.PositiveIntegerField(_("đã xoá"), default=0)
    dropped = models.PositiveIntegerField(
        _("không còn trong nguồn"), default=0,
        help_text=_("Trong số đã xoá: biểu ghi không có trong danh sách đầy đủ của nguồn (thu thập từ đầu)."))
    failed = models.PositiveIntegerField(_("lỗi"), default=0)
    failures = models.JSONField(_("biểu ghi lỗi"), default=list, blank=True)
    message = models.TextField(_("thông báo"), blank=True)

    class Meta:
        verbose_name = _("lần thu thập OAI-PMH")
        verbose_name_plural = _("lần thu thập OAI-PMH")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"

    def add_failure(self, identifier, reason):
        """Count a record that was not harvested, keeping its reason (first MAX_FAILURES_KEPT)."""
        self.failed += 1
        if len(self.failures) < self.MAX_FAILURES_KEPT:
            self.failures.append({"identifier": identifier, "reason": reason})


class HarvestedRecord(models.Model):
    """Which CatalogueRecord an OAI identifier of a source became: the key of a harvested record.

    OAI-PMH 2.0 §2.4: an identifier names one item of a repository, so (source, identifier) is one
    row of the catalogue (one-to-one: two identifiers never share a row), updated in place by every
    later harvest whatever its 001/003 or ISBN, and found again by a `status="deleted"` header
    (which carries no metadata, so no 001). `deleted` without a `record` is a tombstone of an item
    this hub never held."""

    source = models.ForeignKey(HarvestSource, verbose_name=_("nguồn"), on_delete=models.CASCADE,
                               related_name="records")
    identifier = models.CharField(_("định danh OAI"), max_length=255)
    datestamp = models.CharField(_("dấu thời gian"), max_length=32, blank=True)
    record = models.OneToOneField("repository.CatalogueRecord", verbose_name=_("biểu ghi"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    deleted = models.BooleanField(_("đã xoá"), default=False)

    class Meta:
        verbose_name = _("biểu ghi đã thu thập")
        verbose_name_plural = _("biểu ghi đã thu thập")
        constraints = [
            models.UniqueConstraint(fields=["source", "identifier"],
                                    name="exchange_harvested_source_identifier"),
        ]

    def __str__(self):
        return f"{self.source} {self.identifier}{' (deleted)' if self.deleted else ''}"
