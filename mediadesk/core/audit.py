"""The audit trail: services call `record()` explicitly for every change they make."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mediadesk.core import context, inserts, phone
from mediadesk.core.models import AuditEntry

StrOrPromise = str | Promise  # a label, possibly translated lazily

ACTIONS: dict[str, StrOrPromise] = {}


def register_actions(labels: Mapping[str, StrOrPromise]) -> None:
    """Register dotted action names with their Chinese labels (shown on history pages)."""
    ACTIONS.update(labels)


def action_label(action: str) -> StrOrPromise:
    return ACTIONS.get(action, action)


def target_type_of(obj: models.Model) -> str:
    return getattr(obj, "audit_type", obj._meta.model_name or "")


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Promise):
        return str(value)
    return value


def _readable(obj: models.Model, name: str) -> Any:
    value = getattr(obj, name)
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    if getattr(field, "choices", None) and value not in (None, ""):
        return dict(field.flatchoices).get(value, value)  # type: ignore[union-attr]
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields` as people read them: FKs by their label, choices by
    their Chinese label, booleans as 是/否 — plain JSON-able data. Stored in the source
    language (LANGUAGE_CODE) whatever the actor's interface language, so history stays uniform."""
    with translation.override(settings.LANGUAGE_CODE):
        return {name: _plain(_readable(obj, name)) for name in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {field: [before, after]}."""
    return {
        key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)
    }


PHONE_KEYS = re.compile(r"(^|_)(phone|mobile)($|_)")


MOBILE_IN_TEXT = re.compile(
    r"(?<!\d)(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)"
)


def mask_text(value: Any) -> Any:
    """Mainland mobiles inside any text (labels, notes, nested change values) shown 前三后四."""
    if isinstance(value, str):
        return MOBILE_IN_TEXT.sub(r"\1****\2", value)
    if isinstance(value, list | tuple):
        return [mask_text(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_text(v) for k, v in value.items()}
    return value


def _masked(changes: dict[str, Any]) -> dict[str, Any]:
    """The audit trail never stores a full phone number: phone fields and any number in text."""
    out = {}
    for key, value in changes.items():
        value = mask_text(value)
        if PHONE_KEYS.search(key):
            value = (
                [phone.mask(v) if isinstance(v, str) and v else v for v in value]
                if isinstance(value, list)
                else phone.mask(str(value or ""))
            )
        out[key] = value
    return out


def organisation_of(target: models.Model, actor: Any) -> int | None:
    """The organisation an entry belongs to: the target's, else the actor's."""
    if target._meta.label_lower == "orgs.organisation":
        return int(target.pk)
    org_id = getattr(target, "organisation_id", None) or getattr(actor, "organisation_id", None)
    if org_id is None and hasattr(target, "user"):
        org_id = getattr(target.user, "organisation_id", None)  # e.g. API tokens
    return org_id


def _values(
    user: Any, actor: Any, action: str, target: models.Model, changes: Any, label: str | None
) -> dict[str, Any]:
    """The column values of one entry except `at` and the request origin."""
    return {
        "actor": user,
        "organisation_id": organisation_of(target, user),
        "actor_label": mask_text(user.get_username() if user else str(actor or "系统"))[:150],
        "action": action,
        "target_type": target_type_of(target),
        "target_id": str(target.pk),
        "target_label": mask_text(label or str(target))[:200],
        "changes": _masked(_plain(dict(changes or {}))),
    }


def _entry(
    user: Any, actor: Any, action: str, target: models.Model, changes: Any, label: str | None
) -> AuditEntry:
    origin = context.current()
    return AuditEntry(
        **_values(user, actor, action, target, changes, label),
        source=origin.source,
        request_id=origin.request_id,
        ip=origin.ip,
    )


BULK_FIELDS = ("at", "actor", "actor_label", "organisation", "action", "target_type", "target_id",
               "target_label", "changes", "source", "request_id", "ip")  # fmt: skip


def record_many(
    *,
    actor: Any,
    action: str,
    entries: Iterable[tuple[models.Model, Mapping[str, Any]]],
    label: Any = None,
) -> int:
    """`record` for many targets: the same entries (masked the same way, one time and one
    origin for the lot) written by one multi-row INSERT per chunk (`core.inserts`), without
    the ORM's per-value preparation — ingestion writes one entry per message. `label` (a
    function of the target) names each target when `str(target)` is not the right label."""
    user = actor if getattr(actor, "pk", None) else None
    origin = context.current()
    at = timezone.now()
    actor_id = user.pk if user else None
    rows = []
    for target, changes in entries:
        v = _values(user, actor, action, target, changes, label(target) if label else None)
        rows.append((at, actor_id, v["actor_label"], v["organisation_id"], action, v["target_type"],
                     v["target_id"], v["target_label"], v["changes"], origin.source,
                     origin.request_id, origin.ip))  # fmt: skip
    fields = [AuditEntry._meta.get_field(name) for name in BULK_FIELDS]
    inserts.insert_rows(AuditEntry, fields, rows)  # type: ignore[arg-type]
    return len(rows)


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    changes: Mapping[str, Any] | None = None,
    label: str | None = None,
) -> AuditEntry:
    """Write one audit entry for `target`; source and request id come from the current origin."""
    user = actor if getattr(actor, "pk", None) else None
    entry = _entry(user, actor, action, target, changes, label)
    entry.save(force_insert=True)
    return entry


def history(obj: models.Model) -> QuerySet[AuditEntry]:
    """Every audit entry of one record, newest first."""
    return AuditEntry.objects.filter(
        target_type=target_type_of(obj), target_id=str(obj.pk)
    ).select_related("actor")


EXTRA_LABELS: dict[str, StrOrPromise] = {"reason": _("原因"), "role": _("角色"), "scope": _("范围"), "moved": _("交接内容"),
                "ok": _("密码验证通过"), "credential": _("凭据"), "successor": _("交接人"), "name": _("名称"),
                "count": _("数量")}  # fmt: skip


@cache
def field_labels(target_type: str) -> dict[str, Any]:
    """Verbose names of the fields of the model whose audit_type is `target_type` (kept lazy:
    the cache is shared by users of either language)."""
    for model in apps.get_models():
        if getattr(model, "audit_type", model._meta.model_name) == target_type:
            return {f.name: getattr(f, "verbose_name", f.name) for f in model._meta.get_fields()}
    return {}


def change_rows(entry: AuditEntry) -> list[tuple[str, Any, Any, bool]]:
    """(label, before, after, is_pair) per changed field, for display."""
    labels = field_labels(entry.target_type)
    rows = []
    for key, value in (entry.changes or {}).items():
        label = labels.get(key) or EXTRA_LABELS.get(key, key)
        if isinstance(value, list) and len(value) == 2:
            rows.append((label, value[0], value[1], True))
        else:
            rows.append((label, None, value, False))
    return rows


def label_entries(entries: Iterable[AuditEntry]) -> Iterable[AuditEntry]:
    """Attach the Chinese action label and labelled change rows to each entry for display."""
    for entry in entries:
        entry.action_label = action_label(entry.action)  # type: ignore[attr-defined]
        entry.change_rows = change_rows(entry)  # type: ignore[attr-defined]
    return entries
