"""The lead's live-session text becomes a real link to the live app's session.

The old free-text value is kept in `live_session_label`; a value naming a session by its
number (「12」, 「#12」, 「场次12」) in the same organisation is linked to that session.
"""

import re

import django.db.models.deletion
from django.db import migrations, models

NUMBER = re.compile(r"^\s*(?:#|场次)?\s*(\d{1,12})\s*$")


def link_sessions(apps, schema_editor):
    Touch = apps.get_model("leads", "Touch")
    Session = apps.get_model("live", "Session")
    rows = Touch.objects.exclude(live_session_label="").values_list(
        "pk", "organisation_id", "live_session_label"
    )
    for pk, org_id, label in rows.iterator():
        m = NUMBER.match(label)
        if m and Session.objects.filter(pk=int(m.group(1)), organisation_id=org_id).exists():
            Touch.objects.filter(pk=pk).update(live_session_id=int(m.group(1)))


def unlink(apps, schema_editor):
    apps.get_model("leads", "Touch").objects.update(live_session=None)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0001_initial"),
        ("live", "0001_initial"),
    ]

    operations = [
        migrations.RenameField("touch", "live_session", "live_session_label"),
        migrations.AlterField(
            model_name="touch",
            name="live_session_label",
            field=models.CharField(blank=True, max_length=80, verbose_name="直播场次（文本）"),
        ),
        migrations.AddField(
            model_name="touch",
            name="live_session",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="touches",
                to="live.session",
                verbose_name="直播场次",
            ),
        ),
        migrations.RunPython(link_sessions, unlink),
    ]
