"""OnlineAttendance, MeetingReport and MeetingReportRow move here from sessions_app (issue 16); CheckIn.session
now names agenda.Session. The tables stay as sessions_app made them (db_table); only Django's picture of the models changes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sessions_app', '0004_minutes_attendance_snapshot'),
        ('agenda', '0001_initial'),
        ('attendance', '0006_audit_trail_reason_redactable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='checkin',
                    name='session',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='checkins', to='agenda.session'),
                ),
                migrations.CreateModel(
                    name='MeetingReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                        ('filename', models.CharField(max_length=200, verbose_name='nama berkas')),
                        ('rows_total', models.PositiveIntegerField(default=0)),
                        ('session', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='meeting_reports', to='agenda.session')),
                        ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'laporan platform rapat',
                        'verbose_name_plural': 'laporan platform rapat',
                        'db_table': 'sessions_app_meetingreport',
                        'ordering': ['-uploaded_at'],
                    },
                ),
                migrations.CreateModel(
                    name='MeetingReportRow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('line', models.PositiveIntegerField(verbose_name='baris')),
                        ('name', models.CharField(blank=True, max_length=200, verbose_name='nama di platform')),
                        ('email', models.CharField(blank=True, max_length=200, verbose_name='e-mail di platform')),
                        ('joined_at', models.DateTimeField(blank=True, null=True)),
                        ('left_at', models.DateTimeField(blank=True, null=True)),
                        ('minutes', models.PositiveIntegerField(default=0)),
                        ('status', models.CharField(choices=[('matched', 'Cocok'), ('unmatched', 'Belum cocok'), ('resolved', 'Dicocokkan panitia'), ('ignored', 'Diabaikan'), ('invalid', 'Baris rusak')], default='unmatched', max_length=10)),
                        ('problem', models.CharField(blank=True, max_length=300, verbose_name='masalah')),
                        ('registration', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='attendance.registration')),
                        ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='attendance.meetingreport')),
                    ],
                    options={
                        'verbose_name': 'baris laporan platform rapat',
                        'verbose_name_plural': 'baris laporan platform rapat',
                        'db_table': 'sessions_app_meetingreportrow',
                        'ordering': ['report', 'line'],
                    },
                ),
                migrations.CreateModel(
                    name='OnlineAttendance',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('first_joined_at', models.DateTimeField(blank=True, null=True, verbose_name='pertama bergabung')),
                        ('last_heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='detak terakhir')),
                        ('heartbeat_minutes', models.PositiveIntegerField(default=0, verbose_name='menit (detak portal)')),
                        ('report_minutes', models.PositiveIntegerField(default=0, verbose_name='menit (laporan platform rapat)')),
                        ('registration', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='online_attendance', to='attendance.registration')),
                        ('session', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='online_attendance', to='agenda.session')),
                    ],
                    options={
                        'verbose_name': 'kehadiran daring',
                        'verbose_name_plural': 'kehadiran daring',
                        'db_table': 'sessions_app_onlineattendance',
                        'constraints': [models.UniqueConstraint(fields=('registration', 'session'), name='online_attendance_once')],
                    },
                ),
            ],
        ),
    ]
