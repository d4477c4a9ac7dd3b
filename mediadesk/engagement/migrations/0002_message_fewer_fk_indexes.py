"""Drop the single-column indexes on message.organisation/platform/account/assignee: composite
indexes lead with each of them, and every index costs each ingested row a B-tree insert.
The state says db_index=False; the database drops the indexes by name (no table rebuild on
SQLite, where AlterField would copy the whole table four times)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "organisation_id": "engagement_message_organisation_id_3b963aa9",
    "platform_id": "engagement_message_platform_id_893c7e32",
    "account_id": "engagement_message_account_id_0f7fef8f",
    "assignee_id": "engagement_message_assignee_id_5fb1a7dc",
}

STATE = [
    migrations.AlterField(
        model_name="message",
        name="account",
        field=models.ForeignKey(
            blank=True,
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.SET_NULL,
            related_name="+",
            to="matrix.account",
            verbose_name="账号",
        ),
    ),
    migrations.AlterField(
        model_name="message",
        name="assignee",
        field=models.ForeignKey(
            blank=True,
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.SET_NULL,
            related_name="+",
            to=settings.AUTH_USER_MODEL,
            verbose_name="处理人",
        ),
    ),
    migrations.AlterField(
        model_name="message",
        name="organisation",
        field=models.ForeignKey(
            db_index=False,
            on_delete=django.db.models.deletion.CASCADE,
            related_name="+",
            to="orgs.organisation",
        ),
    ),
    migrations.AlterField(
        model_name="message",
        name="platform",
        field=models.ForeignKey(
            db_index=False,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="+",
            to="matrix.platform",
            verbose_name="平台",
        ),
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0001_initial"),
        ("matrix", "0002_default_platforms_and_rules"),
        ("orgs", "0003_user_language"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=STATE,
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "engagement_message" ("{column}")',
                )
                for column, name in INDEXES.items()
            ],
        )
    ]
