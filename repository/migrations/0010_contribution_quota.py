"""Each library's contribution quota (materials per semester) and each network's hub library, for the
semester contribution list (repository.contributions). Existing libraries have no quota, networks no hub."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('repository', '0009_catalogue_records'),
    ]

    operations = [
        migrations.AddField(
            model_name='library',
            name='contribution_quota',
            field=models.PositiveIntegerField(blank=True, help_text='Số học liệu điện tử thư viện cần đóng góp cho liên thông mỗi học kì; để trống nếu không đặt chỉ tiêu.', null=True, verbose_name='chỉ tiêu đóng góp mỗi học kì'),
        ),
        migrations.AddField(
            model_name='librarynetwork',
            name='hub',
            field=models.ForeignKey(blank=True, help_text='Thư viện thành viên nhận danh sách đóng góp học liệu của các thành viên mỗi học kì và theo dõi tiến độ của họ.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='hub_of', to='repository.library', verbose_name='thư viện đầu mối'),
        ),
    ]
