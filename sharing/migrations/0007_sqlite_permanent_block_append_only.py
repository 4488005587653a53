"""In SQLite too, refuse UPDATE and DELETE on the permanent block list at the database itself."""

from django.db import migrations

from portal.db import sqlite_append_only_table


class Migration(migrations.Migration):
    dependencies = [("sharing", "0006_search_hold")]
    operations = [sqlite_append_only_table("sharing_permanentblock", "the permanent block list")]
