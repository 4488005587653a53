"""Drop ``read_plate_trgm``, the plate-only trigram index of 0002 (issue 15, ingest).

Every partial-plate search is scoped to one city and finds its matches through
``read_city_day_plate_trgm`` (0004: city, UTC day, plate trigrams), which also answers a
plate-only trigram condition; the plate-only index was no longer chosen, and it was the second GIN
index each stored read paid for (a third of an insert's cost, measured in ``docs/scaling.md``).
PostgreSQL only. On a partitioned ``cameras_read`` dropping the parent index drops every month's.
"""

from django.db import migrations

from portal.db import postgres_only


class Migration(migrations.Migration):
    dependencies = [("cameras", "0008_reads_partitioned_by_month")]
    operations = [
        postgres_only(
            create=["DROP INDEX IF EXISTS read_plate_trgm"],
            drop=[
                "CREATE INDEX IF NOT EXISTS read_plate_trgm ON cameras_read USING gin (plate gin_trgm_ops)"
            ],
        )
    ]
