"""In PostgreSQL, refuse UPDATE and DELETE on the audit table at the database itself."""

from django.db import migrations

from portal.db import append_only_table


class Migration(migrations.Migration):
    dependencies = [("audits", "0002_initial")]
    operations = [append_only_table("audits_auditevent", "audit log")]
