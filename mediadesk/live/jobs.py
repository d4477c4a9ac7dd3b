"""Periodic jobs of the live app: overdue pre-live checklist items notify anchor and operator."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy

from mediadesk.core.context import acting_from
from mediadesk.core.periodic import periodic


@periodic(
    "live.checklist_overdue", every=timedelta(minutes=15), label=gettext_lazy("直播准备项逾期提醒")
)
def checklist_overdue(slot: datetime) -> int:
    """Notify once per overdue open item (in-app + robots subscribed to live.checklist)."""
    with acting_from("task"):
        return remind_overdue(now=max(slot, timezone.now()))


def remind_overdue(*, now: datetime) -> int:
    """Overdue open items of sessions not yet started: notify the anchors and the creator."""
    from django.utils.translation import gettext as _

    from mediadesk.live.labels import CHECK_LABELS
    from mediadesk.live.models import ChecklistItem, Status
    from mediadesk.notifications import services as notifications

    labels = dict(CHECK_LABELS)
    items = ChecklistItem.objects.filter(
        done=False, notified_at=None, due_at__lte=now, session__planned_start__gt=now,
        session__status__in=[Status.PLANNED, Status.PREPARING],
    ).select_related("session", "session__created_by", "session__organisation")  # fmt: skip
    count = 0
    for item in items[:500]:
        s = item.session
        notifications.notify(
            [*s.anchors.all(), s.created_by], kind="live.checklist",
            title=_("直播准备项逾期：%(title)s · %(item)s") % {"title": s.title,
                                                            "item": labels[item.code]},
            url=f"/live/sessions/{s.pk}/", organisation=s.organisation,
        )  # fmt: skip
        ChecklistItem.objects.filter(pk=item.pk).update(notified_at=now)
        count += 1
    return count


@periodic(
    "live.douyin_figures", every=timedelta(hours=1), label=gettext_lazy("抖音直播数据 T+1 拉取")
)
def douyin_figures(slot: datetime) -> dict[str, int]:
    """Fill ended Douyin sessions' figures the morning after (idempotent)."""
    from mediadesk.live import douyin

    with acting_from("task"):
        return douyin.pull_due(max(slot, timezone.now()))
