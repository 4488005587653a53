"""In PostgreSQL, refuse UPDATE and DELETE on the permanent block list at the database itself.

A permanent block cannot be lifted from the UI, the API or the admin (none offers it); the
database refuses it too, as for the audit table.
"""

from django.db import migrations

from portal.db import append_only_table


class Migration(migrations.Migration):
    dependencies = [("sharing", "0002_revocation")]
    operations = [append_only_table("sharing_permanentblock", "the permanent block list")]
