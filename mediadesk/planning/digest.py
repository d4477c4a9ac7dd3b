"""The daily agenda digest: each morning (`PLANNING_AGENDA_HOUR`, default 8, local time) the
organisation's robots subscribed to `planning.agenda` get today's posts to publish and confirm,
live sessions, and tasks due today or overdue per person, as markdown with a link to 今日."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.notifications import services as notifications
from mediadesk.orgs.models import Organisation
from mediadesk.planning.models import Task

KIND = "planning.agenda"
notifications.register_kinds({KIND: gettext_lazy("今日日程（每日推送）")})


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    low = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return low, low + dt.timedelta(days=1)


def figures(org_id: int, day: dt.date) -> dict[str, Any]:
    """Today's planned posts and live sessions, and open tasks due today or overdue per owner."""
    from mediadesk.content.models import Status, Variant
    from mediadesk.live.models import Session
    from mediadesk.live.models import Status as LiveStatus

    low, high = _bounds(day)
    posts = Variant.objects.filter(organisation_id=org_id, planned_at__gte=low, planned_at__lt=high)
    sessions = Session.objects.filter(organisation_id=org_id, planned_start__gte=low,
                                      planned_start__lt=high).exclude(status=LiveStatus.CANCELLED)  # fmt: skip
    tasks = Task.objects.filter(organisation_id=org_id, status=Task.Status.OPEN, due_at__lt=high)
    owners = Counter(str(t.owner) for t in tasks.select_related("owner")[:2000])
    return {
        "posts": posts.count(),
        "unpublished": posts.exclude(status=Status.PUBLISHED).count(),
        "sessions": list(sessions.select_related("account").order_by("planned_start")[:10]),
        "due": tasks.filter(due_at__gte=low).count(),
        "overdue": tasks.filter(Q(due_at__lt=low)).count(),
        "owners": owners.most_common(10),
    }


def markdown(data: dict[str, Any], day: dt.date, link: str) -> str:
    lines = ["## " + _("今日日程 %(d)s") % {"d": day.isoformat()},
             _("计划发布 %(n)s 篇（未发布 %(u)s 篇），请与上级核对今日内容")
             % {"n": data["posts"], "u": data["unpublished"]}]  # fmt: skip
    for s in data["sessions"]:
        lines.append(f"- {timezone.localtime(s.planned_start):%H:%M} {s.account} · {s.title}")
    lines.append(
        _("今日到期任务 %(d)s 项，已逾期 %(o)s 项") % {"d": data["due"], "o": data["overdue"]}
    )
    lines += [f"- {name}：{n}" for name, n in data["owners"]]
    lines.append("[" + _("打开今日日程") + f"]({link})")
    return "\n".join(lines)


def send(org: Organisation, day: dt.date) -> bool:
    """Relay the digest to the organisation's subscribed robots (nothing when the day is empty)."""
    data = figures(org.pk, day)
    if not (data["posts"] or data["sessions"] or data["due"] or data["overdue"]):
        return False
    base = str(getattr(settings, "PLANNING_SITE_URL", "")).rstrip("/")
    text = markdown(data, day, f"{base}/planning/agenda/")
    notifications.notify([], kind=KIND, title=_("今日日程 %(d)s") % {"d": day.isoformat()},
                         body=text, url="/planning/agenda/", organisation=org)  # fmt: skip
    return True


def due_now(now: dt.datetime) -> bool:
    return timezone.localtime(now).hour == int(getattr(settings, "PLANNING_AGENDA_HOUR", 8))


def send_all(now: dt.datetime) -> int:
    """The hourly job's body: at the configured hour, one digest per organisation."""
    if not due_now(now):
        return 0
    day = timezone.localtime(now).date()
    return sum(send(org, day) for org in Organisation.objects.all())
