"""Partial-plate search: a trigram index on plates (PostgreSQL only; SQLite scans)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS read_plate_trgm ON cameras_read USING gin (plate gin_trgm_ops)",
            params=None,
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS read_plate_trgm", params=None)


class Migration(migrations.Migration):
    dependencies = [("cameras", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
