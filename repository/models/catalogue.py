"""The print catalogue: MARC 21 bibliographic records held by a library, and their items (holdings).

A `CatalogueRecord` is one MARC 21 bibliographic record of a library's print collection, imported
from its library system (ILS: Koha, VietBiblio) by `manage.py import_marc`, or harvested from another
library. The whole record is kept as MARCXML (`marcxml`, NFC text); the columns beside it are what
search and display need, taken from the record's fields (MARC 21 Format for Bibliographic Data):

- `control_number` 001 and `control_number_identifier` 003: the key of an imported record among the
  records of its library from the same origin (`source`, `source_name`: the library's own print
  records, or the records a file brought from one other library); a record without 001 is keyed
  by its ISBN instead (020 $a, normalised to ISBN-13);
- `source_identifier`: the OAI-PMH identifier of a record harvested from a feed (exchange.harvesting),
  which keys it instead (OAI-PMH 2.0 §2.4: the identifier names one item of the repository), so
  a harvested record never takes the place of another source's record or of one the library
  imported itself, whatever their 001/003 or ISBN;
- `title` 245 $a $b $n $p, `authors` 100/110/700/710 $a (one per line),
- `publisher` and `publication_year` 264 $b/$c (260 where 264 is absent),
- `ddc` 082 $a, `language` 008/35-37 (041 $a where 008 has none), `record_type` leader/06.

`access_level` says who may find the record (repository.access.visible_catalogue_records): a library's
own print records and records harvested from a public OAI-PMH feed are public metadata (an OPAC);
a record harvested with a network token that its source restricts (MARC 506 first indicator 1) is
`group`: only readers of the libraries in its library's network see it.

A `Holding` is one item (copy) of a record: from Koha's local item field 952 where the record has it,
else from 852 Location. Copies of a record = its holdings.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import AccessLevel
from ..search.vietnamese import fold_syllable, syllables
from .libraries import Library


def fold_text(text):
    """`text` as its folded syllables joined by single spaces (repository.search.vietnamese:
    lowercase, no marks, đ → d, i/y unified): "Tiếng Việt 1" → "tieng viet 1"."""
    return " ".join(fold_syllable(syllable) for syllable in syllables(text or ""))


class CatalogueSource(models.TextChoices):
    """Where a catalogue record came from."""

    LOCAL = "local", _("Kho sách in của thư viện")
    HARVESTED = "harvested", _("Thu thập từ thư viện khác")


class CatalogueRecordQuerySet(models.QuerySet):
    def active(self):
        """Records not marked deleted (leader/05 "d" in the last import, or deleted by hand)."""
        return self.filter(deleted=False)

    def of_library(self, library):
        """Records held by `library` (a Library or its pk)."""
        return self.filter(library=library)


class CatalogueRecord(models.Model):
    """One MARC 21 bibliographic record of a library's print catalogue (see the module docstring).

    An imported record (no `source_identifier`) is unique per (library, source, source name, 003,
    001) where 001 is present, else per (library, source, source name, ISBN-13), so a second import
    of the same file updates the records instead of adding them again. A harvested record is one
    row per (harvest source, OAI identifier), which exchange.models.HarvestedRecord holds; its
    001/003 and ISBN may repeat those of any other record.
    """

    library = models.ForeignKey(
        Library, verbose_name=_("thư viện"), on_delete=models.CASCADE, related_name="catalogue_records"
    )
    source = models.CharField(
        _("nguồn"), max_length=16, choices=CatalogueSource.choices, default=CatalogueSource.LOCAL
    )
    source_name = models.CharField(
        _("tên nguồn thu thập"), max_length=255, blank=True,
        help_text=_("Với biểu ghi thu thập: tên nguồn (thư viện, điểm OAI-PMH) mà biểu ghi đến từ đó."),
    )
    source_identifier = models.CharField(
        _("định danh OAI-PMH ở nguồn"), max_length=255, blank=True, editable=False,
        help_text=_("Với biểu ghi thu thập qua OAI-PMH: định danh của biểu ghi ở nguồn; biểu ghi được nhận "
                    "diện theo định danh này thay vì 001/003."),
    )
    control_number = models.CharField(_("số kiểm soát (001)"), max_length=64, blank=True)
    control_number_identifier = models.CharField(
        _("mã cơ quan của số kiểm soát (003)"), max_length=64, blank=True
    )
    isbn = models.CharField(_("ISBN (020, ISBN-13)"), max_length=13, blank=True, db_index=True)
    record_type = models.CharField(_("loại biểu ghi (đầu biểu/06)"), max_length=1, blank=True)
    title = models.TextField(_("nhan đề (245)"))
    authors = models.TextField(
        _("tác giả (100/110/700/710)"), blank=True, help_text=_("Mỗi dòng một tác giả.")
    )
    publisher = models.CharField(_("nhà xuất bản (264/260 $b)"), max_length=255, blank=True)
    publication_year = models.CharField(_("năm xuất bản (264/260 $c)"), max_length=4, blank=True)
    ddc = models.CharField(_("chỉ số DDC (082)"), max_length=64, blank=True)
    language = models.CharField(_("ngôn ngữ (008/35-37, 041)"), max_length=3, blank=True)
    folded_text = models.TextField(
        _("chuỗi tra cứu không dấu"), blank=True, editable=False,
        help_text=_("Nhan đề, tác giả, nhà xuất bản viết thường, bỏ dấu (tìm trong trang quản trị)."),
    )
    marcxml = models.TextField(_("biểu ghi MARCXML"))
    access_level = models.CharField(
        _("mức truy cập"), max_length=16, choices=[(AccessLevel.PUBLIC.value, AccessLevel.PUBLIC.label),
                                                   (AccessLevel.GROUP.value, AccessLevel.GROUP.label)],
        default=AccessLevel.PUBLIC,
        help_text=_("Biểu ghi thu thập chỉ dành cho liên thông thì chỉ bạn đọc các thư viện trong liên thông "
                    "thấy khi tra cứu."),
    )
    deleted = models.BooleanField(
        _("đã xoá"), default=False,
        help_text=_("Biểu ghi bị xoá trong phần mềm thư viện (đầu biểu/05 “d”); không hiện trong tra cứu."),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    quality_checked_at = models.DateTimeField(
        _("kiểm tra chất lượng lúc"), null=True, blank=True, editable=False,
        help_text=_("Lần cuối biểu ghi được kiểm tra chất lượng (repository.catalogue.quality)."),
    )

    objects = CatalogueRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("biểu ghi sách in")
        verbose_name_plural = _("biểu ghi sách in")
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "source", "source_name", "control_number_identifier", "control_number"],
                condition=~Q(control_number="") & Q(source_identifier=""),
                name="unique_catalogue_record_control_number",
            ),
            models.UniqueConstraint(
                fields=["library", "source", "source_name", "isbn"],
                condition=Q(control_number="") & ~Q(isbn="") & Q(source_identifier=""),
                name="unique_catalogue_record_isbn_without_001",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.set_folded_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "folded_text"}
        return super().save(*args, **kwargs)

    def set_folded_text(self):
        """Set `folded_text` from the title, authors and publisher (fold_text). save() calls it; a
        caller writing with bulk_create or bulk_update must call it first."""
        self.folded_text = fold_text(" ".join((self.title, self.authors, self.publisher)))

    @property
    def member_label(self):
        """The member library the record stands for in the union catalogue: the library's code for
        its own records, "<code> ← <source name>" for records it harvested from another library."""
        if self.source == CatalogueSource.HARVESTED and self.source_name:
            return f"{self.library.code} ← {self.source_name}"
        return self.library.code

    @property
    def author_list(self):
        """Authors as a list of names, one per non-empty line of `authors`."""
        return [line.strip() for line in self.authors.splitlines() if line.strip()]

    @property
    def copies(self):
        """Number of items (holdings) of this record."""
        return self.holdings.count()

    @property
    def call_number(self):
        """The call number of the first holding that has one, or ""."""
        holding = self.holdings.exclude(call_number="").order_by("position").first()
        return holding.call_number if holding else ""

    def locations(self):
        """[(shelving location, number of copies)] of this record's holdings, in holding order.

        A holding without a shelving location counts under its holding branch (or "")."""
        counts = {}
        for holding in self.holdings.order_by("position"):
            place = holding.shelving_location or holding.holding_branch or holding.home_branch
            counts[place] = counts.get(place, 0) + 1
        return list(counts.items())

    def as_pymarc(self):
        """The stored record as a pymarc.Record (parsed from `marcxml`)."""
        from ..catalogue.records import record_from_marcxml

        return record_from_marcxml(self.marcxml)


class Holding(models.Model):
    """One item (copy) of a catalogue record.

    From Koha's 952 (items): $o call number, $p barcode, $a home branch, $b holding branch,
    $c shelving location, $y item type. From MARC 21 852 Location where 952 is absent: $a location
    (home and holding branch), $b sublocation or $c shelving location, $k $h $i $m call number parts,
    $p barcode.
    """

    record = models.ForeignKey(
        CatalogueRecord, verbose_name=_("biểu ghi"), on_delete=models.CASCADE, related_name="holdings"
    )
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    call_number = models.CharField(_("kí hiệu xếp giá"), max_length=255, blank=True)
    barcode = models.CharField(_("mã vạch"), max_length=64, blank=True)
    home_branch = models.CharField(_("thư viện sở hữu"), max_length=255, blank=True)
    holding_branch = models.CharField(_("thư viện đang giữ"), max_length=255, blank=True)
    shelving_location = models.CharField(_("kho / vị trí xếp giá"), max_length=255, blank=True)
    item_type = models.CharField(_("loại tài liệu"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("bản sách")
        verbose_name_plural = _("bản sách")
        ordering = ["record", "position"]

    def __str__(self):
        return " · ".join(part for part in (self.call_number, self.barcode, self.shelving_location) if part)


class QualityRule(models.TextChoices):
    """The quality-control rules of the hub (repository.catalogue.quality, one function each)."""

    REQUIRED_FIELDS = "required_fields", _("Thiếu trường bắt buộc")
    DDC_NUMBER = "ddc_number", _("Chỉ số DDC (082 $a) sai dạng")
    LANGUAGE = "language", _("Ngôn ngữ 008/35-37 khác 041 $a")
    ISBN = "isbn", _("ISBN sai số kiểm tra")
    NFC = "nfc", _("Văn bản không ở dạng Unicode NFC")
    INDICATORS = "indicators", _("Chỉ thị không hợp lệ")
    SUBFIELDS = "subfields", _("Trường con không hợp lệ")
    DUPLICATE = "duplicate", _("Có thể trùng biểu ghi của thành viên khác")


class QualityIssueQuerySet(models.QuerySet):
    def of_libraries(self, library_ids):
        """Issues of the records held by the libraries `library_ids` (iterable of pks)."""
        return self.filter(record__library_id__in=list(library_ids))


class QualityIssue(models.Model):
    """One failure of one quality rule by one catalogue record, found by the last check of the
    record's library (repository.catalogue.quality.check_libraries replaces them all at once).

    `tag` is the MARC field at fault ("" when the rule is about the record as a whole);
    `duplicate_of` is, for QualityRule.DUPLICATE, the other member's record it likely repeats.
    """

    record = models.ForeignKey(
        CatalogueRecord, verbose_name=_("biểu ghi"), on_delete=models.CASCADE, related_name="quality_issues"
    )
    rule = models.CharField(_("quy tắc"), max_length=32, choices=QualityRule.choices)
    tag = models.CharField(_("trường"), max_length=3, blank=True)
    message = models.TextField(_("lỗi"))
    duplicate_of = models.ForeignKey(
        CatalogueRecord, verbose_name=_("trùng với"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("kiểm tra lúc"))

    objects = QualityIssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("lỗi chất lượng biểu ghi")
        verbose_name_plural = _("lỗi chất lượng biểu ghi")
        ordering = ["record__library__code", "record__control_number", "record_id", "rule", "pk"]

    def __str__(self):
        return f"{self.record.control_number or self.record_id}: {self.message}"
