"""The live console, 话术 and the post-live review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mediadesk.core import audit, scopes
from mediadesk.live import access, types
from mediadesk.live.models import (
    Review,
    Script,
    Session,
    Status,
)
from mediadesk.live.perms import LIVE_MANAGE
from mediadesk.live.services._common import require_manage, snap
from mediadesk.live.services.checklist import refresh_checklist
from mediadesk.live.services.sessions import change_status


@transaction.atomic
def capture_lead(session: Session, *, by: Any, phone: str, note: str = "", name: str = "") -> Any:
    """One-tap lead capture from the console, tied to the session (source 直播)."""
    from mediadesk.leads.models import Source
    from mediadesk.leads.services import capture_lead as capture

    if not access.can_console(by, session):
        raise PermissionDenied(_("没有使用直播控制台的权限"))
    if session.project is None:
        raise ValidationError({"project": _("该场直播未关联项目，无法留资")})
    touch = capture(
        organisation=session.organisation,
        project=session.project,
        phone=phone,
        source=Source.LIVE,
        by=by,
        name=name,
        account=session.account,
        live_session=session,
        note=note,
    )
    audit.record(
        actor=by, action="live_session.capture", target=session, changes={"touch": [None, touch.pk]}
    )
    return touch


@transaction.atomic
def save_script(
    script: Script | None,
    *,
    by: Any,
    organisation: Any,
    values: Mapping[str, Any],
    usable: bool = False,
    override_reason: str = "",
) -> Script:
    """Save a 话术; it becomes 可用 only if the compliance checker finds no block (or legal
    overrides with a reason)."""
    from mediadesk.compliance import services as compliance

    scopes.require(scopes.has_perm(by, LIVE_MANAGE), _("没有管理话术的权限"))
    script = script or Script(organisation=organisation, author=by)
    before = snap(script, ("category", "text", "state")) if script.pk else {}
    for key in ("category", "text", "tags", "project"):
        if key in values:
            setattr(script, key, values[key])
    if not script.text.strip():
        raise ValidationError({"text": _("请填写话术内容")})
    if script.category != before.get("category"):
        types.require_active(
            getattr(organisation, "pk", organisation), types.Kind.SCRIPT_CATEGORY,
            script.category, "category",
        )  # fmt: skip
    state = Script.State.DRAFT
    if usable:
        blocked = compliance.has_block(
            compliance.check_text(script.text, organisation=organisation)
        )
        if blocked and not override_reason.strip():
            raise ValidationError({"text": _("话术含有违禁用语，需法务放行后才能设为可用")})
        if blocked and not scopes.has_perm(by, "live.legal_override"):
            raise PermissionDenied(_("只有法务可以放行含违禁用语的话术"))
        script.override_reason = override_reason.strip()[:200] if blocked else ""
        state = Script.State.USABLE
    script.state = state
    script.save()
    changes = audit.diff(before, snap(script, ("category", "text", "state")))
    audit.record(actor=by, action="live_script.save", target=script, changes=changes)
    return script


@transaction.atomic
def save_review(
    session: Session,
    *,
    by: Any,
    values: Mapping[str, str],
    ratings: Mapping[int, int] | None = None,
    actions: Iterable[Mapping[str, Any]] = (),
) -> Review:
    """The post-live review; rates the 话术 used, turns each action (text, owner, due) into a
    planning task and moves the session to 已复盘."""
    from mediadesk.live import review_actions

    require_manage(by, session)
    if session.status != Status.ENDED:
        raise ValidationError({"status": _("只有已结束的直播可以复盘")})
    action_rows = review_actions.clean(session, actions)
    review = Review.objects.create(
        session=session,
        done_by=by,
        worked=values.get("worked", ""),
        problems=values.get("problems", ""),
        actions=values.get("actions", ""),
    )
    for pk, stars in (ratings or {}).items():
        if not 1 <= stars <= 5:
            raise ValidationError({"ratings": _("评分应为 1–5")})
        Script.objects.filter(pk=pk, organisation_id=session.organisation_id).update(
            rating_sum=models_F("rating_sum") + stars, rating_count=models_F("rating_count") + 1
        )
    audit.record(
        actor=by,
        action="live_session.review",
        target=session,
        changes={"review": [None, review.pk]},
    )
    review_actions.create(review, action_rows, by=by)
    change_status(session, by=by, to=Status.REVIEWED)
    return review


def models_F(name: str) -> Any:
    from django.db.models import F

    return F(name)


@transaction.atomic
def use_script(session: Session, script_pk: int, *, by: Any) -> Script:
    """A 话术 card used during the session (console): usage count + 1, audited."""
    from django.db.models import F

    if not access.can_console(by, session):
        raise PermissionDenied(_("没有使用直播控制台的权限"))
    script = Script.objects.select_for_update().get(
        pk=script_pk, organisation_id=session.organisation_id, state=Script.State.USABLE
    )
    Script.objects.filter(pk=script.pk).update(usage_count=F("usage_count") + 1)
    script.refresh_from_db()
    audit.record(
        actor=by, action="live_script.use", target=script,
        changes={"usage_count": [script.usage_count - 1, script.usage_count],
                 "session": [None, session.pk]},
    )  # fmt: skip
    return script


@transaction.atomic
def session_campaign(session: Session, *, by: Any) -> Any:
    """The session's capture campaign (public form + QR, source 直播), created once; leads
    from its form carry the session."""
    from mediadesk.leads import services as leads
    from mediadesk.leads.models import Campaign, Source

    existing = Campaign.objects.filter(live_session=session).first()
    if existing is not None:
        return existing
    require_manage(by, session)
    if session.project is None:
        raise ValidationError({"project": _("该场直播未关联项目，无法创建留资活动")})
    campaign = leads.save_campaign(
        None, by=by, project=session.project,
        values={"name": f"直播留资·{session.title}"[:60], "source": Source.LIVE,
                "account": session.account,
                "ends_at": session.planned_end + dt.timedelta(days=1)},
    )  # fmt: skip
    Campaign.objects.filter(pk=campaign.pk).update(live_session=session)
    campaign.live_session = session
    audit.record(
        actor=by, action="live_session.campaign", target=session,
        changes={"campaign": [None, campaign.pk]},
    )  # fmt: skip
    return campaign


@transaction.atomic
def update_stages(session: Session, *, by: Any, texts: Mapping[int, str]) -> Session:
    """Fill the run-of-show stages' text (the anchor's copy); audited, checklist refreshed."""
    require_manage(by, session)
    changes: dict[str, Any] = {}
    for stage in session.stages.select_for_update():
        text = texts.get(stage.pk)
        if text is not None and text != stage.text:
            changes[stage.name] = [stage.text, text]
            stage.text = text
            stage.save(update_fields=["text"])
    if changes:
        audit.record(actor=by, action="live_session.update", target=session, changes=changes)
    refresh_checklist(session)
    return session
