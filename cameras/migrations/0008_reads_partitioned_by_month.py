"""Reads partitioned by month on PostgreSQL (ADR 0009); SQLite keeps its plain table.

The existing table is converted in place, every row copied and counted (``cameras.partitions``).
Hits lose their database-level foreign key to reads first: a partitioned table's unique keys must
include ``captured_at``, which a hit does not carry.
"""

import django.db.models.deletion
from django.db import migrations, models


def partition(apps, schema_editor):
    from cameras.partitions import convert_reads_table

    convert_reads_table(schema_editor, partitioned=True)


def unpartition(apps, schema_editor):
    from cameras.partitions import convert_reads_table

    convert_reads_table(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("cameras", "0007_retention_in_batches")]

    operations = [
        migrations.AlterField(
            model_name="hit",
            name="read",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="hits",
                to="cameras.read",
            ),
        ),
        migrations.RunPython(partition, unpartition),
    ]
