"""In SQLite too, refuse UPDATE and DELETE on the permanent block list at the database itself."""

from django.db import migrations

from portal.db import sqlite_append_only_table


class Migration(migrations.Migration):
    dependencies = [("sharing", "0005_search_decision_held")]
    operations = [sqlite_append_only_table("sharing_permanentblock", "the permanent block list")]
