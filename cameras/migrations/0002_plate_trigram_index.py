"""Partial-plate search: a trigram index on plates (PostgreSQL only; SQLite scans)."""

from django.db import migrations

from portal.db import postgres_only


class Migration(migrations.Migration):
    dependencies = [("cameras", "0001_initial")]
    operations = [
        postgres_only(
            create=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX IF NOT EXISTS read_plate_trgm ON cameras_read USING gin (plate gin_trgm_ops)",
            ],
            drop=["DROP INDEX IF EXISTS read_plate_trgm"],
        )
    ]
