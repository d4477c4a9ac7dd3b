"""Data migration: every organisation gets its own editable lists, seeded with the built-in
session types and 话术 categories plus any code its records already use (nothing is lost)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SESSION_TYPES = (("promo", "促销直播"), ("onsite", "实景直播"), ("forum", "大咖论坛"),
                 ("brand", "品牌直播"), ("leader", "城市负责人专场"))  # fmt: skip
CATEGORIES = (("opening", "开场话术"), ("retain", "留人话术"), ("product", "产品话术"),
              ("interact", "互动话术"), ("follow", "关注加粉丝团话术"),
              ("leads", "留资话术"))  # fmt: skip


def _seed(Option: Any, org_id: int, kind: str, defaults: Any, used: set[str]) -> None:
    known = dict(defaults)
    rows = [(code, label, True) for code, label in defaults]
    rows += [(code, code, True) for code in sorted(used - set(known)) if code]
    for order, (code, label, active) in enumerate(rows, start=1):
        Option.objects.get_or_create(
            organisation_id=org_id, kind=kind, code=code,
            defaults={"label": label[:30], "order": order, "active": active},
        )  # fmt: skip


def forwards(apps: Any, schema_editor: Any) -> None:
    Organisation = apps.get_model("orgs", "Organisation")
    Option = apps.get_model("live", "Option")
    Session = apps.get_model("live", "Session")
    Slot = apps.get_model("live", "RecurringSlot")
    Script = apps.get_model("live", "Script")
    for org_id in Organisation.objects.values_list("pk", flat=True):
        types = set(Session.objects.filter(organisation_id=org_id).values_list("type", flat=True))
        types |= set(Slot.objects.filter(organisation_id=org_id).values_list("type", flat=True))
        cats = set(Script.objects.filter(organisation_id=org_id).values_list("category", flat=True))
        _seed(Option, org_id, "session_type", SESSION_TYPES, types)
        _seed(Option, org_id, "script_category", CATEGORIES, cats)


class Migration(migrations.Migration):
    dependencies = [("live", "0002_live_options_actions_pulls"), ("orgs", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
