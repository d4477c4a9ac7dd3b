"""The goal form's parsing: POST fields → the service's data (the service validates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from mediadesk.orgs.models import User
from mediadesk.planning import access

KR_ROWS = 3
MAX_KR_ROWS = 12
SCOPE_FIELDS = ("accounts", "platforms", "projects", "person")


def parse_date(text: str) -> dt.date | None:
    """An ISO date between 1990 and 2199 (later ones overflow date arithmetic), else None."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if 1990 <= day.year < 2200 else None


def as_id(text: str) -> int | None:
    """A record id typed into a form (digits that fit the column), else None."""
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def row_count(data: QueryDict) -> int:
    try:
        n = int(data.get("rows", KR_ROWS))
    except ValueError:
        n = KR_ROWS
    return max(1, min(n, MAX_KR_ROWS))


def row_values(data: QueryDict) -> list[dict[str, Any]]:
    """What each key-result row holds, to show it again after a refusal (nothing is lost)."""
    rows = []
    for i in range(row_count(data)):
        p = f"kr-{i}-"
        row: dict[str, Any] = {"i": i}
        for key in ("metric", "target", "baseline", "weight"):
            row[key] = data.get(p + key, "")
        for key in SCOPE_FIELDS:
            row[key] = set(data.getlist(p + key))
        rows.append(row)
    return rows


def key_results(data: QueryDict) -> list[dict[str, Any]]:
    """The filled key-result rows (a row without metric and target is left out)."""
    out = []
    for i in range(row_count(data)):
        p = f"kr-{i}-"
        metric, target = data.get(p + "metric", "").strip(), data.get(p + "target", "").strip()
        if not metric and not target:
            continue
        scope = {k: data.getlist(p + k) for k in SCOPE_FIELDS if any(data.getlist(p + k))}
        out.append({"metric": metric, "target": target or None, "scope": scope,
                    "baseline": data.get(p + "baseline", "").strip() or None,
                    "weight": data.get(p + "weight", "").strip() or None})  # fmt: skip
    return out


def goal_data(user: Any, data: QueryDict) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The goal's fields, owner and parent resolved within the user's organisation."""
    errors: list[dict[str, str]] = []
    out: dict[str, Any] = {
        "name": data.get("name", "").strip()[:120], "level": data.get("level", ""),
        "horizon": data.get("horizon") or None, "start": parse_date(data.get("start", "")),
        "end": parse_date(data.get("end", "")), "owner": user, "parent": None,
        "top_level_reason": data.get("top_level_reason", "").strip()[:200],
        "key_results": key_results(data),
    }  # fmt: skip
    if owner_id := data.get("owner", "").strip():
        owner = User.objects.filter(
            pk=as_id(owner_id) or 0, organisation_id=user.organisation_id, is_active=True
        ).first()
        if owner is None:
            errors.append({"field": "owner", "message": _("该用户不存在或不在本组织")})
        out["owner"] = owner or user
    if parent_id := data.get("parent", "").strip():
        parent = access.visible_goals(user).filter(pk=as_id(parent_id) or 0)
        out["parent"] = parent.first()
        if out["parent"] is None:
            errors.append({"field": "parent", "message": _("上级目标不存在或不可见")})
    return out, errors


def choices(user: Any) -> dict[str, Any]:
    """The form's options: metrics, levels, owners, parents, accounts, platforms, projects."""
    from mediadesk.core import scopes
    from mediadesk.matrix.models import Account, Platform
    from mediadesk.orgs.models import Project
    from mediadesk.planning import metrics, perms
    from mediadesk.planning.models import Horizon, Level

    org = user.organisation_id
    visible = scopes.scope_q(user, perms.VIEW, shared=True)
    return {
        "metrics": sorted(metrics.catalogue(), key=lambda m: (m.manual, str(m.source))),
        "levels": Level.choices,
        "horizons": Horizon.choices,
        "owners": User.objects.filter(organisation_id=org, is_active=True).order_by("pk")[:500],
        "parents": access.visible_goals(user).order_by("-start")[:200],
        "accounts": Account.objects.filter(visible, organisation_id=org).order_by("name")[:500],
        "platforms": Platform.objects.order_by("pk"),
        "projects": Project.objects.filter(organisation_id=org).order_by("name")[:200],
    }


def field_label(field: str) -> str:
    """「关键结果 2 · 范围」 for key_results[1].scope; the goal's own field names otherwise."""
    names = {"name": _("目标名称"), "level": _("层级"), "horizon": _("周期"),
             "start": _("开始日期"), "end": _("结束日期"), "owner": _("负责人"),
             "parent": _("上级目标"), "key_results": _("关键结果"), "metric": _("指标"),
             "target": _("目标值"), "baseline": _("基线"), "weight": _("权重"),
             "scope": _("范围"), "key_result": _("关键结果"), "value": _("数值"),
             "at": _("日期"), "evidence_url": _("证明链接"), "indicator": _("指标"),
             "score": _("得分"), "reason": _("调整原因"), "self_assessment": _("自评")}  # fmt: skip
    if field.startswith("key_results["):
        index, _sep, rest = field[len("key_results[") :].partition("]")
        sub = names.get(rest.lstrip("."), rest.lstrip("."))
        return _("关键结果 %(n)s · %(field)s") % {"n": int(index) + 1, "field": sub}
    return str(names.get(field, field))


def problems(error: Any) -> list[dict[str, str]]:
    """A ValidationError (or error list) as [{field, label, message}] for the page."""
    if isinstance(error, list):
        items = [(e["field"], e["message"]) for e in error]
    elif hasattr(error, "message_dict"):
        items = [(f, m) for f, ms in error.message_dict.items() for m in ms]
    else:
        items = [("", m) for m in error.messages]
    return [{"field": f, "label": field_label(f), "message": str(m)} for f, m in items]


def when(value: Any) -> str:
    """A row's date or time as the rows table shows it."""
    from django.utils import timezone

    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if value else ""
