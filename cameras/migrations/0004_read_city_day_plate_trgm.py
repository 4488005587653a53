"""Partial-plate search over recent days: one GIN index on (city, UTC day, plate trigrams).

Used by ``sharing.selectors``, which searches the newest two UTC days first, naming them by
``TruncDate("captured_at", tzinfo=UTC)`` (the expression below must stay identical). PostgreSQL
only (btree_gin and pg_trgm); the embedded SQLite demo scans.
"""

from django.db import migrations

from portal.db import postgres_only


class Migration(migrations.Migration):
    dependencies = [("cameras", "0003_hotlists_and_hits")]
    operations = [
        postgres_only(
            create=[
                "CREATE EXTENSION IF NOT EXISTS btree_gin",
                "CREATE INDEX IF NOT EXISTS read_city_day_plate_trgm ON cameras_read "
                "USING gin (city_id, ((captured_at AT TIME ZONE 'UTC')::date), plate gin_trgm_ops)",
            ],
            drop=["DROP INDEX IF EXISTS read_city_day_plate_trgm"],
        )
    ]
