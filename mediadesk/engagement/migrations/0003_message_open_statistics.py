"""PostgreSQL: joint statistics on message (organisation, platform, is_open).

The planner multiplies the selectivities of `is_open` and `platform_id` as if independent;
when they are not (a platform whose messages are nearly all closed), it expects ~125,000
rows where there are 2,500, and for the inbox's capped count (`LIMIT 10001`) picks a
sequential scan it expects to stop early — which reads all 2,000,000 rows (0.7 s; 3 ms
with these statistics). SQLite plans these queries from its indexes and needs nothing."""

from typing import Any

from django.db import migrations

NAME = "engagement_message_open_stats"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {NAME} (mcv, dependencies) "
            "ON organisation_id, platform_id, is_open FROM engagement_message"
        )
        schema_editor.execute("ANALYZE engagement_message")


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("engagement", "0002_message_fewer_fk_indexes")]

    operations = [migrations.RunPython(create, drop)]
