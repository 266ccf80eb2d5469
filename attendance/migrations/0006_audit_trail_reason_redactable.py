"""Once: erasure reaches the audit trail's reasons too. The audit trail's guard is rakor's now.

This migration changed rakor_audit_append_only() (the trigger function of rakor_auditentry)
on databases made before the guard moved to rakor's own migrations; rakor 0006 installs the
same function and trigger on every database, so this one does nothing any more. It stays so
that the migration graph of existing databases is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('attendance', '0005_registration_lawful_basis'),
    ]

    operations = []
