"""Post-live review actions (改进措施): each has an owner and a due date and is a task on the
owner's planning board (planning.generators.live) until it is closed here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit
from mediadesk.live import access
from mediadesk.live.models import Review, ReviewAction, Session

MAX_ACTIONS = 10
audit.register_actions(
    {
        "live_action.create": gettext_lazy("新增复盘改进措施"),
        "live_action.close": gettext_lazy("关闭复盘改进措施"),
    }
)


def _due(text: Any) -> dt.datetime | None:
    """A due date (end of that day, local time) from a date or 'YYYY-MM-DD' text."""
    day = text if isinstance(text, dt.date) else parse_date(str(text or "").strip())
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(18)))


def clean(session: Session, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate the review form's action rows (blank rows skipped): text, owner in the
    session's organisation, due date not before the session."""
    from mediadesk.orgs.models import User

    out: list[dict[str, Any]] = []
    for n, row in enumerate(rows, start=1):
        text = str(row.get("text") or "").strip()
        if not text:
            continue
        owner_text = str(row.get("owner") or "").strip()
        owner = (
            User.objects.filter(
                pk=int(owner_text), organisation_id=session.organisation_id, is_active=True
            ).first()
            if owner_text.isdigit()
            else None
        )
        due = _due(row.get("due"))
        if owner is None:
            raise ValidationError({"actions": _("第 %(n)s 条措施：请选择负责人") % {"n": n}})
        if due is None or due.date() < timezone.localtime(session.planned_start).date():
            raise ValidationError(
                {"actions": _("第 %(n)s 条措施：请填写有效的截止日期") % {"n": n}}
            )
        out.append({"text": text[:200], "owner": owner, "due_at": due})
    if len(out) > MAX_ACTIONS:
        raise ValidationError({"actions": _("改进措施最多 %(n)s 条") % {"n": MAX_ACTIONS}})
    return out


def create(review: Review, rows: list[dict[str, Any]], *, by: Any) -> list[ReviewAction]:
    """Store the review's actions (inside the review's transaction) and open their tasks."""
    made = [
        ReviewAction.objects.create(review=review, session=review.session, **row) for row in rows
    ]
    for action in made:
        audit.record(actor=by, action="live_action.create", target=action,
                     changes={"text": [None, action.text], "owner": [None, str(action.owner)],
                              "due_at": [None, action.due_at]})  # fmt: skip
    sync_tasks()
    return made


@transaction.atomic
def close(action: ReviewAction, *, by: Any) -> ReviewAction:
    """Close an action (its owner or a live manager): audited, and its task closes."""
    action = ReviewAction.objects.select_for_update().select_related("session").get(pk=action.pk)
    if by.pk != action.owner_id and not access.can_manage(by, action.session):
        raise PermissionDenied(_("只有负责人或直播管理员可以关闭该措施"))
    if action.done:
        return action
    action.done, action.closed_at, action.closed_by = True, timezone.now(), by
    action.save(update_fields=["done", "closed_at", "closed_by"])
    audit.record(actor=by, action="live_action.close", target=action,
                 changes={"done": [False, True]})  # fmt: skip
    sync_tasks()
    return action


def sync_tasks() -> dict[str, int]:
    """Open the tasks of open actions and close those of closed ones (planning board)."""
    from mediadesk.planning.generators import live

    return live.sync()
