"""The principal's sign-off step (PrincipalSignOffTask) and each library's review chain.

Existing sites: the review workflow gets the sign-off as its last step; every library keeps the
subject group only (the default), so nothing changes until a library asks for the principal.
"""

import django.db.models.deletion
from django.db import migrations, models

REVIEW_WORKFLOW_NAME = "Duyệt của tổ chuyên môn"


def add_sign_off_step(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    ContentType = apps.get_model("contenttypes", "ContentType")
    PrincipalSignOffTask = apps.get_model("repository", "PrincipalSignOffTask")
    content_type, _created = ContentType.objects.get_or_create(app_label="repository", model="principalsignofftask")
    for workflow in Workflow.objects.filter(name=REVIEW_WORKFLOW_NAME):
        tasks = WorkflowTask.objects.filter(workflow=workflow)
        if tasks.filter(task__content_type=content_type).exists():
            continue
        last = tasks.order_by("-sort_order").values_list("sort_order", flat=True).first()
        task = PrincipalSignOffTask.objects.create(name="Ban giám hiệu ký duyệt", content_type=content_type,
                                                   active=True)
        WorkflowTask.objects.create(workflow=workflow, task_id=task.pk, sort_order=(last or 0) + 1)


class Migration(migrations.Migration):

    dependencies = [
        ('repository', '0007_transcript_correction'),
        ('wagtailcore', '0098_apitoken'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='PrincipalSignOffTask',
            fields=[
                ('task_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='wagtailcore.task')),
            ],
            options={
                'verbose_name': 'Ký duyệt bởi ban giám hiệu',
                'verbose_name_plural': 'Ký duyệt bởi ban giám hiệu',
            },
            bases=('wagtailcore.task',),
        ),
        migrations.AddField(
            model_name='library',
            name='review_chain',
            field=models.CharField(choices=[('subject_group', 'Tổ chuyên môn duyệt'), ('subject_group_principal', 'Tổ chuyên môn duyệt, rồi ban giám hiệu ký duyệt')], default='subject_group', help_text='Học liệu của thư viện được tổ chuyên môn duyệt; có thể thêm bước ban giám hiệu ký duyệt.', max_length=32, verbose_name='quy trình duyệt'),
        ),
        migrations.RunPython(add_sign_off_step, migrations.RunPython.noop),
    ]
