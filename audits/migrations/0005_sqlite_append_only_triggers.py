"""In SQLite too, refuse UPDATE and DELETE on the audit table at the database itself."""

from django.db import migrations

from portal.db import sqlite_append_only_table


class Migration(migrations.Migration):
    dependencies = [("audits", "0004_reviews_and_checkpoints")]
    operations = [sqlite_append_only_table("audits_auditevent", "audit log")]
