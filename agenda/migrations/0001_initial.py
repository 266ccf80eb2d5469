"""Session moves here from sessions_app (issue 16). The tables stay as sessions_app made them (db_table); only Django's picture of the models changes.

sessions_app 0005 removes it from sessions_app's state and renames its content type.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('sessions_app', '0004_minutes_attendance_snapshot'),
        ('attendance', '0006_audit_trail_reason_redactable'),
        ('rakor', '0006_audit_trail_append_only'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Session',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=250, verbose_name='judul')),
                        ('description', models.TextField(blank=True, verbose_name='uraian')),
                        ('day', models.DateField(verbose_name='hari')),
                        ('start', models.DateTimeField(verbose_name='mulai')),
                        ('end', models.DateTimeField(verbose_name='selesai')),
                        ('room', models.CharField(blank=True, max_length=120, verbose_name='ruang')),
                        ('kind', models.CharField(choices=[('plenary', 'Pleno'), ('panel', 'Panel'), ('breakout', 'Kelompok (breakout)'), ('ceremony', 'Seremonial'), ('break', 'Rehat')], default='plenary', max_length=20, verbose_name='jenis')),
                        ('mode', models.CharField(choices=[('in_person', 'Luring'), ('online', 'Daring'), ('hybrid', 'Hibrida')], default='hybrid', max_length=20, verbose_name='moda')),
                        ('guest_speakers', models.TextField(blank=True, help_text='Satu nama per baris.', verbose_name='narasumber tamu')),
                        ('moderator_name', models.CharField(blank=True, max_length=200, verbose_name='moderator')),
                        ('meeting_url', models.URLField(blank=True, max_length=500, verbose_name='tautan rapat daring')),
                        ('meeting_passcode', models.CharField(blank=True, max_length=60, verbose_name='kode sandi rapat')),
                        ('stream_url', models.URLField(blank=True, max_length=500, verbose_name='tautan siaran (YouTube)')),
                        ('status', models.CharField(choices=[('scheduled', 'Terjadwal'), ('live', 'Sedang berlangsung'), ('ended', 'Selesai')], default='scheduled', max_length=20, verbose_name='status')),
                        ('join_scope', models.CharField(choices=[('all_online', 'Semua peserta daring'), ('units', 'Unit tertentu saja')], default='all_online', max_length=20, verbose_name='yang boleh bergabung daring')),
                        ('join_opens_minutes_before', models.PositiveIntegerField(default=15, help_text='Peserta daring dapat bergabung sejak sekian menit sebelum sesi mulai, atau begitu sesi disiarkan.', verbose_name='tombol bergabung aktif (menit sebelum mulai)')),
                        ('status_changed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('allowed_units', models.ManyToManyField(blank=True, related_name='+', to='rakor.unit', verbose_name='unit yang boleh bergabung')),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sessions', to='rakor.event', verbose_name='acara')),
                        ('speakers', models.ManyToManyField(blank=True, related_name='sessions_as_speaker', to='attendance.registration', verbose_name='narasumber terdaftar')),
                    ],
                    options={
                        'verbose_name': 'sesi',
                        'verbose_name_plural': 'sesi',
                        'db_table': 'sessions_app_session',
                        'ordering': ['start', 'title'],
                    },
                ),
            ],
        ),
    ]
