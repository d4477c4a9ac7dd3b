"""The editable lists of the live app, per organisation: session types and 话术 categories.

Records store an option's code. An organisation that never edited a list uses the built-in
defaults; the first edit copies them into its own rows (`ensure_defaults`). A built-in option
whose label was not changed shows its translated label; renamed and new ones show as typed.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit
from mediadesk.live.models import Option, Script, SessionType

Kind = Option.Kind
DEFAULTS: dict[str, tuple[tuple[str, Any], ...]] = {
    Kind.SESSION_TYPE: tuple(SessionType.choices),
    Kind.SCRIPT_CATEGORY: tuple(Script.Category.choices),
}
# The Chinese source text of each built-in label (the choices hold lazy translations).
_SOURCE: dict[str, dict[str, str]] = {
    Kind.SESSION_TYPE: {"promo": "促销直播", "onsite": "实景直播", "forum": "大咖论坛",
                        "brand": "品牌直播", "leader": "城市负责人专场"},
    Kind.SCRIPT_CATEGORY: {"opening": "开场话术", "retain": "留人话术", "product": "产品话术",
                           "interact": "互动话术", "follow": "关注加粉丝团话术",
                           "leads": "留资话术"},
}  # fmt: skip
CODE = re.compile(r"^[a-z][a-z0-9_]{1,11}$")
audit.register_actions(
    {
        "live_option.create": gettext_lazy("新增直播选项"),
        "live_option.update": gettext_lazy("修改直播选项"),
    }
)


def _label(kind: str, code: str, label: str) -> str:
    if _SOURCE[kind].get(code) == label:
        return str(dict(DEFAULTS[kind])[code])
    return label


def options(org_id: int | None, kind: str, *, active_only: bool = True) -> list[tuple[str, str]]:
    """(code, label) of an organisation's list, in order (the defaults when never edited)."""
    rows = list(Option.objects.filter(organisation_id=org_id, kind=kind)) if org_id else []
    if not rows:
        return [(c, str(label)) for c, label in DEFAULTS[kind]]
    return [(o.code, _label(kind, o.code, o.label)) for o in rows if o.active or not active_only]


def labels(org_id: int | None, kind: str) -> dict[str, str]:
    """code → label, retired options included (old records keep their name)."""
    out = {c: str(label) for c, label in DEFAULTS[kind]}
    out.update(options(org_id, kind, active_only=False))
    return out


def session_type_labels(org_id: int | None) -> dict[str, str]:
    return labels(org_id, Kind.SESSION_TYPE)


def session_type_codes(org_id: int | None) -> dict[str, str]:
    """Label or code → code of the active session types (for imports and the API)."""
    out: dict[str, str] = {}
    for code, label in options(org_id, Kind.SESSION_TYPE):
        out[code] = code
        out[label] = code
        out.setdefault(_SOURCE[Kind.SESSION_TYPE].get(code, label), code)
    return out


def category_labels(org_id: int | None) -> dict[str, str]:
    return labels(org_id, Kind.SCRIPT_CATEGORY)


def is_active(org_id: int | None, kind: str, code: str) -> bool:
    return code in dict(options(org_id, kind))


def require_active(org_id: int | None, kind: str, code: str, field: str) -> None:
    if not is_active(org_id, kind, code):
        message = _("场次类型无效") if kind == Kind.SESSION_TYPE else _("话术类别无效")
        raise ValidationError({field: message})


def ensure_defaults(org_id: int) -> None:
    """Copy the built-in lists into the organisation's own rows (once)."""
    for kind, pairs in DEFAULTS.items():
        if Option.objects.filter(organisation_id=org_id, kind=kind).exists():
            continue
        Option.objects.bulk_create(
            Option(organisation_id=org_id, kind=kind, code=code, order=i,
                   label=_SOURCE[kind][code])
            for i, (code, _l) in enumerate(pairs, start=1)
        )  # fmt: skip


@transaction.atomic
def save_option(
    *, by: Any, kind: str, code: str, label: str, order: int = 0, active: bool = True
) -> Option:
    """Add or edit an option of the user's organisation (code fixed once created), audited."""
    from mediadesk.live import access

    access.require_manage(by)
    org_id = by.organisation_id
    if kind not in Kind.values:
        raise ValidationError({"kind": _("未知的列表")})
    label = label.strip()
    if not label or len(label) > 30:
        raise ValidationError({"label": _("名称须为 1–30 个字")})
    if not CODE.match(code):
        raise ValidationError({"code": _("代码须为 2–12 位小写字母、数字或下划线，以字母开头")})
    ensure_defaults(org_id)
    option = (
        Option.objects.select_for_update()
        .filter(organisation_id=org_id, kind=kind, code=code)
        .first()
    )
    clash = Option.objects.filter(organisation_id=org_id, kind=kind, label=label)
    if clash.exclude(code=code).exists():
        raise ValidationError({"label": _("已有同名选项")})
    before = audit.snapshot(option, ("label", "order", "active")) if option else {}
    option = option or Option(organisation_id=org_id, kind=kind, code=code)
    option.label, option.order, option.active = label, order, active
    if not active and option.pk and _last_active(option):
        raise ValidationError({"active": _("至少保留一个启用的选项")})
    created = option.pk is None
    option.save()
    changes = audit.diff(before, audit.snapshot(option, ("label", "order", "active")))
    if changes:
        audit.record(actor=by, action="live_option.create" if created else "live_option.update",
                     target=option, changes=changes)  # fmt: skip
    return option


def _last_active(option: Option) -> bool:
    others = Option.objects.filter(
        organisation_id=option.organisation_id, kind=option.kind, active=True
    ).exclude(pk=option.pk)
    return not others.exists()
