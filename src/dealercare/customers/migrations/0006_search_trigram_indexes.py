"""Trigram indexes for the customer search (any part of a name, mobile, plate or VIN).

A search by part of a plate is `plate LIKE '%2S845%'`, which no B-tree index can answer: on a
large group that was a scan of every customer and vehicle (about 300 ms at 150,000 vehicles).
pg_trgm's GIN indexes answer LIKE '%...%'. PostgreSQL only: SQLite has no such index, and its
databases are small.
"""

from django.db import migrations

INDEXES = [
    ("customer_name_trgm", "customers_customer", "upper(name)"),
    ("customer_mobile_trgm", "customers_customer", "mobile"),
    ("vehicle_plate_trgm", "customers_vehicle", "plate"),
    ("vehicle_vin_trgm", "customers_vehicle", "vin"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_customer_service_manager_alter_customerevent_kind")]

    operations = [migrations.RunPython(create, drop)]
