import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import repository.models.transcripts


class Migration(migrations.Migration):

    dependencies = [
        ("repository", "0006_more_derivative_kinds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TranscriptCorrection",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("input_sha256", models.CharField(max_length=64, verbose_name="SHA-256 của tệp gốc")),
                ("captions", models.FileField(max_length=255,
                                              upload_to=repository.models.transcripts.correction_upload_to,
                                              verbose_name="phụ đề WebVTT đã hiệu đính")),
                ("full_text", models.TextField(blank=True, verbose_name="văn bản")),
                ("cue_count", models.PositiveIntegerField(default=0, verbose_name="số đoạn phụ đề")),
                ("corrected_at", models.DateTimeField(default=django.utils.timezone.now,
                                                      verbose_name="hiệu đính lúc")),
                ("corrected_by", models.ForeignKey(blank=True, null=True,
                                                   on_delete=django.db.models.deletion.SET_NULL,
                                                   related_name="+", to=settings.AUTH_USER_MODEL,
                                                   verbose_name="người hiệu đính")),
                ("material_file", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                    related_name="transcript_corrections",
                                                    to="repository.materialfile", verbose_name="tệp")),
            ],
            options={
                "verbose_name": "bản chép lời đã hiệu đính",
                "verbose_name_plural": "bản chép lời đã hiệu đính",
                "ordering": ["-corrected_at", "-pk"],
                "indexes": [models.Index(fields=["material_file", "input_sha256"],
                                         name="transcript_correction_idx")],
            },
        ),
    ]
