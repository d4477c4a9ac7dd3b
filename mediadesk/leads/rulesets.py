"""The project rule-set editor (leads.rules): every field audited with a diff, and
per-channel period overrides."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mediadesk.core import audit
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.leads.attribution import in_project
from mediadesk.leads.models import Channel, ChannelRule, RuleSet, Source
from mediadesk.orgs.models import Project
from mediadesk.orgs.roles import Perm

RULE_FIELDS = (
    "mode", "visit_protect_days", "deal_protect_days", "deal_node", "intercept_minutes", "masked",
    "only_new", "old_owners", "allow_negative_rereport", "owned_rereport_days",
    "daily_report_limit", "visit_auto_confirm", "revisit_refreshes_deal", "day_counting",
    "remind_days_before", "pool_idle_days", "pool_cooldown_days", "referral_keeps_channel",
    "first_contact_minutes", "sla_auto_reassign", "protected_sources", "supervisor_ratio",
)  # fmt: skip


def require_rules(by: Any, project: Project) -> None:
    if not in_project(by, Perm.LEADS_RULES, project):
        raise PermissionDenied(_("没有修改该项目判客规则的权限"))


def _check_protected_sources(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ValidationError({"protected_sources": _("应为 来源代码 → 保护天数 的对象")})
    out = {}
    for code, days in value.items():
        if code not in Source.values:
            raise ValidationError(
                {"protected_sources": _("未知的来源代码：%(code)s") % {"code": code}}
            )
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
            raise ValidationError(
                {"protected_sources": _("%(code)s 的保护天数应为 1–3650 的整数") % {"code": code}}
            )
        out[code] = days
    return out


def update_rules(rule_set: RuleSet, *, by: Any, values: dict[str, Any]) -> RuleSet:
    """Change a project's rule set (leads.rules); the diff is audited."""
    require_rules(by, rule_set.project)
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError({name: _("不支持的字段") for name in sorted(unknown)})
    if "protected_sources" in values:
        values["protected_sources"] = _check_protected_sources(values["protected_sources"])
    with transaction.atomic():
        locked = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
        before = audit.snapshot(locked, RULE_FIELDS)
        for name, value in values.items():
            setattr(locked, name, value)
        try:
            locked.full_clean(exclude=["organisation", "project"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        locked.save()
        changes = audit.diff(before, audit.snapshot(locked, RULE_FIELDS))
        if changes:
            audit.record(actor=by, action="lead_rules.update", target=locked, changes=changes)
    return locked


def set_channel_rule(
    rule_set: RuleSet, *, by: Any, channel: Channel, values: dict[str, int | None]
) -> ChannelRule | None:
    """Per-channel period overrides; all empty removes the override."""
    require_rules(by, rule_set.project)
    if channel.organisation_id != rule_set.organisation_id:
        raise ValidationError({"channel": _("渠道不存在")})
    for name, value in values.items():
        if name not in ("visit_protect_days", "deal_protect_days", "intercept_minutes"):
            raise ValidationError({name: _("不支持的字段")})
        if value is not None and (not isinstance(value, int) or not 0 <= value <= 3650):
            raise ValidationError({name: _("应为 0–3650 的整数")})
    with transaction.atomic():
        existing = ChannelRule.objects.filter(rules=rule_set, channel=channel).first()
        before = {k: getattr(existing, k) for k in values} if existing else {}
        if all(v is None for v in values.values()):
            if existing:
                existing.delete()
            result = None
        else:
            result, _created = ChannelRule.objects.update_or_create(
                rules=rule_set, channel=channel, defaults=values
            )
        audit.record(actor=by, action="lead_rules.channel", target=rule_set,
                     changes={"channel": str(channel), **audit.diff(before, values)})  # fmt: skip
    return result
