"""Minutes, their revisions and autosaves, ActionItem and its evidence move here from sessions_app (issue 16).

The tables stay as sessions_app made them (db_table); only Django's picture of the models changes; sessions_app 0005 removes them from sessions_app's state and renames their content types.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('sessions_app', '0004_minutes_attendance_snapshot'),
        ('agenda', '0001_initial'),
        ('rakor', '0006_audit_trail_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ActionItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(db_index=True, max_length=36)),
                        ('position', models.PositiveIntegerField(default=0, verbose_name='urutan')),
                        ('what', models.TextField(verbose_name='tindak lanjut')),
                        ('due_date', models.DateField(blank=True, null=True, verbose_name='batas waktu')),
                        ('status', models.CharField(choices=[('open', 'Belum ditindaklanjuti'), ('in_progress', 'Dalam proses'), ('done', 'Selesai'), ('dropped', 'Tidak dapat ditindaklanjuti')], db_index=True, default='open', max_length=12, verbose_name='status')),
                        ('progress_note', models.TextField(blank=True, verbose_name='catatan perkembangan')),
                        ('status_changed_at', models.DateTimeField(blank=True, null=True, verbose_name='status diubah pada')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('carried_from', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='carried_to', to='minutes.actionitem', verbose_name='dari tindak lanjut acara sebelumnya')),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='action_items', to='rakor.event', verbose_name='acara')),
                        ('status_changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='action_items', to='rakor.unit', verbose_name='unit penanggung jawab')),
                    ],
                    options={
                        'verbose_name': 'tindak lanjut',
                        'verbose_name_plural': 'tindak lanjut',
                        'db_table': 'sessions_app_actionitem',
                        'ordering': ['due_date', 'position', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ActionItemEvidence',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('note', models.TextField(blank=True, verbose_name='keterangan')),
                        ('link', models.URLField(blank=True, max_length=500, verbose_name='tautan bukti')),
                        ('file', models.FileField(blank=True, upload_to='tindak-lanjut/%Y/%m/', verbose_name='berkas bukti')),
                        ('added_by_label', models.CharField(blank=True, max_length=200)),
                        ('added_at', models.DateTimeField(auto_now_add=True, verbose_name='ditambahkan pada')),
                        ('added_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='minutes.actionitem')),
                    ],
                    options={
                        'verbose_name': 'bukti tindak lanjut',
                        'verbose_name_plural': 'bukti tindak lanjut',
                        'db_table': 'sessions_app_actionitemevidence',
                        'ordering': ['added_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Minutes',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('draft', 'Draf'), ('review', 'Dalam pemeriksaan'), ('final', 'Final')], db_index=True, default='draft', max_length=10, verbose_name='status')),
                        ('opened_at', models.DateTimeField(blank=True, null=True, verbose_name='rapat dibuka')),
                        ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='rapat ditutup')),
                        ('chair_name', models.CharField(blank=True, max_length=200, verbose_name='nama pimpinan rapat')),
                        ('chair_position', models.CharField(blank=True, max_length=200, verbose_name='jabatan pimpinan rapat')),
                        ('chair_rank', models.CharField(blank=True, max_length=80, verbose_name='pangkat/golongan pimpinan rapat')),
                        ('chair_nip', models.CharField(blank=True, max_length=40, verbose_name='NIP pimpinan rapat')),
                        ('taker_name', models.CharField(blank=True, max_length=200, verbose_name='nama notulis penanda tangan')),
                        ('taker_position', models.CharField(blank=True, max_length=200, verbose_name='jabatan notulis')),
                        ('taker_rank', models.CharField(blank=True, max_length=80, verbose_name='pangkat/golongan notulis')),
                        ('taker_nip', models.CharField(blank=True, max_length=40, verbose_name='NIP notulis')),
                        ('agenda', models.TextField(blank=True, verbose_name='acara/agenda rapat')),
                        ('discussion', models.TextField(blank=True, verbose_name='pembahasan')),
                        ('decisions', models.TextField(blank=True, verbose_name='kesimpulan/keputusan')),
                        ('items', models.JSONField(blank=True, default=list, verbose_name='tindak lanjut (naskah)')),
                        ('revision_number', models.PositiveIntegerField(default=0, verbose_name='nomor revisi')),
                        ('review_note', models.TextField(blank=True, verbose_name='catatan pemeriksa')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='terakhir diubah')),
                        ('finalised_at', models.DateTimeField(blank=True, null=True, verbose_name='difinalkan pada')),
                        ('attendance_snapshot', models.JSONField(blank=True, editable=False, null=True, verbose_name='daftar hadir saat difinalkan')),
                        ('attendance_snapshot_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='daftar hadir direkam pada')),
                        ('finalised_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='difinalkan oleh')),
                        ('minute_takers', models.ManyToManyField(blank=True, related_name='minutes_assigned', to=settings.AUTH_USER_MODEL, verbose_name='notulis')),
                        ('session', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='minutes', to='agenda.session', verbose_name='sesi')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'notulen',
                        'verbose_name_plural': 'notulen',
                        'db_table': 'sessions_app_minutes',
                    },
                ),
                migrations.AddField(
                    model_name='actionitem',
                    name='minutes',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='action_items', to='minutes.minutes', verbose_name='notulen'),
                ),
                migrations.CreateModel(
                    name='MinutesAutosave',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('content', models.JSONField(default=dict)),
                        ('base_revision', models.PositiveIntegerField(default=0)),
                        ('saved_at', models.DateTimeField(auto_now=True)),
                        ('minutes', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='autosaves', to='minutes.minutes')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'simpan otomatis notulen',
                        'verbose_name_plural': 'simpan otomatis notulen',
                        'db_table': 'sessions_app_minutesautosave',
                    },
                ),
                migrations.CreateModel(
                    name='MinutesRevision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField(verbose_name='nomor')),
                        ('kind', models.CharField(choices=[('save', 'Simpan'), ('submit', 'Diajukan untuk diperiksa'), ('return', 'Dikembalikan ke notulis'), ('finalise', 'Difinalkan'), ('correction', 'Koreksi atas notulen final'), ('restore', 'Pemulihan revisi lama')], default='save', max_length=12, verbose_name='jenis')),
                        ('status', models.CharField(choices=[('draft', 'Draf'), ('review', 'Dalam pemeriksaan'), ('final', 'Final')], max_length=10, verbose_name='status')),
                        ('content', models.JSONField(default=dict, verbose_name='isi')),
                        ('author_label', models.CharField(blank=True, max_length=200, verbose_name='oleh (nama)')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='waktu')),
                        ('reason', models.TextField(blank=True, verbose_name='alasan')),
                        ('restored_from', models.PositiveIntegerField(blank=True, null=True, verbose_name='dipulihkan dari revisi')),
                        ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='oleh')),
                        ('minutes', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revisions', to='minutes.minutes')),
                    ],
                    options={
                        'verbose_name': 'revisi notulen',
                        'verbose_name_plural': 'revisi notulen',
                        'db_table': 'sessions_app_minutesrevision',
                        'ordering': ['minutes', '-number'],
                    },
                ),
                migrations.AddIndex(
                    model_name='actionitem',
                    index=models.Index(fields=['event', 'status', 'due_date'], name='sessions_ap_event_i_73821b_idx'),
                ),
                migrations.AddConstraint(
                    model_name='actionitem',
                    constraint=models.UniqueConstraint(condition=models.Q(('carried_from__isnull', False)), fields=('event', 'carried_from'), name='action_item_carried_once'),
                ),
                migrations.AddConstraint(
                    model_name='minutesautosave',
                    constraint=models.UniqueConstraint(fields=('minutes', 'user'), name='minutes_autosave_once'),
                ),
                migrations.AddConstraint(
                    model_name='minutesrevision',
                    constraint=models.UniqueConstraint(fields=('minutes', 'number'), name='minutes_revision_number_once'),
                ),
            ],
        ),
    ]
