"""Partial-plate search over recent days: one GIN index on (city, UTC day, plate trigrams).

Used by ``sharing.selectors`` which searches the newest two UTC days first, naming them by
``TruncDate("captured_at", tzinfo=UTC)`` (the expression below must stay identical). PostgreSQL
only (needs btree_gin and pg_trgm); the embedded SQLite demo scans.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS read_city_day_plate_trgm ON cameras_read "
    "USING gin (city_id, ((captured_at AT TIME ZONE 'UTC')::date), plate gin_trgm_ops)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS read_city_day_plate_trgm", params=None)


class Migration(migrations.Migration):
    dependencies = [("cameras", "0003_hotlists_and_hits")]
    operations = [migrations.RunPython(create, drop)]
