"""Page sets: the scanned page images a digitised material was uploaded as, kept beside the file
assembled from them (repository.pagesets, media_pipeline.pagesets)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


def page_image_upload_to(instance, filename):
    """Storage path of a kept page image: originals/page_sets/<file pk>/<position>-<name>."""
    return f"originals/page_sets/{instance.material_file_id}/{instance.position:04d}-{filename}"


class PageImage(models.Model):
    """One page image of a page set, stored as uploaded (never altered nor deleted by Hoclieu).

    `material_file` is the multi-page TIFF assembled from the set (the material's file, the one
    processed: OCR to a searchable PDF/A); `position` the page's number in it (1-based; a
    multi-page TIFF in the set is one PageImage covering `frames` pages from `position`);
    `original_name` the name it was uploaded with; `sha256` and `file_size` (bytes) of its bytes;
    `width` × `height` in pixels (its largest frame).
    """

    material_file = models.ForeignKey(
        "repository.MaterialFile", verbose_name=_("tệp ghép"), on_delete=models.CASCADE,
        related_name="page_images",
    )
    position = models.PositiveIntegerField(_("trang"))
    frames = models.PositiveIntegerField(_("số trang trong ảnh"), default=1)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    image = models.FileField(_("ảnh trang gốc"), upload_to=page_image_upload_to, max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file_size = models.PositiveBigIntegerField(_("kích thước (byte)"), default=0)
    width = models.PositiveIntegerField(_("rộng (điểm ảnh)"), default=0)
    height = models.PositiveIntegerField(_("cao (điểm ảnh)"), default=0)

    class Meta:
        verbose_name = _("ảnh trang gốc")
        verbose_name_plural = _("ảnh trang gốc")
        ordering = ["material_file", "position"]
        constraints = [
            models.UniqueConstraint(fields=["material_file", "position"], name="unique_page_image_position")
        ]

    def __str__(self):
        return f"{self.material_file_id}:{self.position} {self.original_name}"
