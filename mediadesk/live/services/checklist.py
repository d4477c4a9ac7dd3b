"""The pre-live checklist: automatic results, confirmations, the compliance override, offers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import audit
from mediadesk.live import access, rules
from mediadesk.live.models import (
    ChecklistItem,
    Offer,
    Session,
)
from mediadesk.live.services._common import require_manage


def _warmup_published_at(session: Session) -> dt.datetime | None:
    from mediadesk.content.models import Variant

    if not session.warmup_item_id:
        return None
    return (
        Variant.objects.filter(item_id=session.warmup_item_id, account_id=session.account_id)
        .exclude(published_at=None)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def _script_done(session: Session) -> bool:
    stages = list(session.stages.all())
    return bool(session.theme.strip()) and bool(stages) and all(s.text.strip() for s in stages)


def compliance_text(session: Session) -> str:
    """Title, script, run-of-show and the chosen 话术 (variables filled), for the checker."""
    from mediadesk.live.session_scripts import chosen_texts

    parts = [session.title, session.script, *(s.text for s in session.stages.all())]
    parts += [text for _s, text in chosen_texts(session)]
    return "\n".join(p for p in parts if p)


def _compliance_ok(session: Session) -> bool:
    from mediadesk.compliance import services as compliance

    findings = compliance.check_text(compliance_text(session), organisation=session.organisation_id)
    return not compliance.has_block(findings) or bool(session.compliance_override)


def auto_results(session: Session) -> dict[str, bool]:
    """The automatic checklist items' state from the data held."""
    account = session.account
    bio = f"{account.bio} {account.live_schedule}"
    return {
        "title_length": rules.title_ok(session.title),
        "cover_square": rules.cover_square(session.cover_width, session.cover_height),
        "warmup_video": rules.warmup_ok(_warmup_published_at(session), session.planned_start),
        "script": _script_done(session),
        "profile_slots": rules.bio_mentions(bio, timezone.localtime(session.planned_start)),
        "compliance": _compliance_ok(session),
    }


def refresh_checklist(session: Session) -> dict[str, bool]:
    """Recompute the automatic items and move due times with the start."""
    results = auto_results(session)
    for item in session.checklist.all():
        due = session.planned_start - rules.DUE_BEFORE[item.code]
        done = results.get(item.code, item.done) if item.auto else item.done
        if (item.done, item.due_at) != (done, due):
            item.done, item.due_at = done, due
            item.save(update_fields=["done", "due_at"])
    return results


def readiness(session: Session) -> tuple[int, int]:
    items = list(session.checklist.all())
    return sum(1 for i in items if i.done), len(items)


@transaction.atomic
def confirm_item(session: Session, code: str, *, by: Any) -> ChecklistItem:
    """A person confirms a checklist item (who, when), audited."""
    if code not in rules.CHECKLIST_CODES:
        raise ValidationError({"code": _("没有这个准备项")})
    if not (access.can_manage(by, session) or access.can_console(by, session)):
        raise PermissionDenied(_("没有权限确认该直播的准备项"))
    item = session.checklist.select_for_update().get(code=code)
    if item.auto:
        raise ValidationError({"code": _("该项由系统自动检查，不能手工确认")})
    item.done, item.confirmed_by, item.confirmed_at = True, by, timezone.now()
    item.save(update_fields=["done", "confirmed_by", "confirmed_at"])
    audit.record(
        actor=by, action="live_session.checklist", target=session, changes={code: [False, True]}
    )
    return item


@transaction.atomic
def override_compliance(session: Session, *, by: Any, reason: str) -> Session:
    """Legal lets a session's blocked text pass, with a reason."""
    if not access.can_override(by, session):
        raise PermissionDenied(_("只有法务可以放行合规问题"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写放行理由")})
    session.compliance_override = reason.strip()[:200]
    session.save(update_fields=["compliance_override"])
    audit.record(
        actor=by,
        action="live_session.update",
        target=session,
        changes={"compliance_override": [None, session.compliance_override]},
    )
    refresh_checklist(session)
    return session


@transaction.atomic
def add_offer(session: Session, *, by: Any, values: Mapping[str, Any]) -> Offer:
    """Add a 特价房源 to a session."""
    require_manage(by, session)
    offer = Offer(session=session, **{k: values[k] for k in values if k in OFFER_FIELDS})
    if offer.offer_price > offer.list_price:
        raise ValidationError({"offer_price": _("特价不能高于原价")})
    if offer.project.organisation_id != session.organisation_id:
        raise ValidationError({"project": _("项目不属于本组织")})
    offer.save()
    audit.record(
        actor=by,
        action="live_session.offer",
        target=session,
        changes={"offer": [None, f"{offer.unit} ¥{offer.offer_price}"]},
    )
    return offer


OFFER_FIELDS = ("project", "unit", "area", "list_price", "offer_price", "quantity", "valid_until")
