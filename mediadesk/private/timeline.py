"""The member timeline: one function per source, merged by time.

Live attendance is read from leads captured in a live session (the live app keeps no per-person
attendance) and from `live_attend` events; inbox messages from the engagement messages that became
the customer's lead, and from `message` events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from mediadesk.leads.models import Deal, FollowUp, Opportunity, Report, Touch, Visit
from mediadesk.private.models import Event, Member

Item = dict[str, Any]


def _leads(m: Member) -> Iterable[Item]:
    for o in Opportunity.objects.filter(customer_id=m.customer_id or 0).select_related("project"):
        yield {
            "kind": "lead",
            "at": o.created_at,
            "summary": _("留资 %(p)s（%(s)s）") % {"p": o.project, "s": o.get_source_display()},
        }


def _reports(m: Member) -> Iterable[Item]:
    for r in Report.objects.filter(customer_id=m.customer_id or 0).select_related("channel"):
        yield {
            "kind": "report",
            "at": r.reported_at,
            "summary": _("渠道报备 %(c)s") % {"c": r.channel.name},
        }


def _visits(m: Member) -> Iterable[Item]:
    for v in Visit.objects.filter(customer_id=m.customer_id or 0).select_related("project"):
        yield {"kind": "visit", "at": v.visited_at, "summary": _("到访 %(p)s") % {"p": v.project}}


def _deals(m: Member) -> Iterable[Item]:
    for d in Deal.objects.filter(customer_id=m.customer_id or 0).select_related("project"):
        yield {
            "kind": "deal",
            "at": d.created_at,
            "summary": _("成交 %(p)s %(u)s") % {"p": d.project, "u": d.unit_label},
        }


def _follow_ups(m: Member) -> Iterable[Item]:
    for f in FollowUp.objects.filter(opportunity__customer_id=m.customer_id or 0):
        yield {
            "kind": "follow_up",
            "at": f.at,
            "summary": _("跟进（%(k)s）") % {"k": f.get_kind_display()},
        }


def _live(m: Member) -> Iterable[Item]:
    """Leads captured in a live session (the live app's sessions): the person attended it."""
    touches = Touch.objects.filter(customer_id=m.customer_id or 0).exclude(live_session=None)
    for t in touches.select_related("live_session"):
        yield {"kind": "live_attend", "at": t.captured_at,
               "summary": _("直播留资 %(s)s") % {"s": t.live_session}}  # fmt: skip


def _messages(m: Member) -> Iterable[Item]:
    """Inbox messages (comments, private messages) that became this customer's lead."""
    from mediadesk.engagement.models import Message

    touch_ids = Touch.objects.filter(customer_id=m.customer_id or 0).values_list("pk", flat=True)
    for msg in Message.objects.filter(lead_touch_id__in=list(touch_ids))[:100]:
        yield {"kind": "message", "at": msg.received_at,
               "summary": _("互动消息：%(t)s") % {"t": msg.text[:40]}}  # fmt: skip


def _events(m: Member) -> Iterable[Item]:
    for e in Event.objects.filter(member=m):
        yield {"kind": e.kind, "at": e.at, "summary": str(e.get_kind_display())}


SOURCES: list[Callable[[Member], Iterable[Item]]] = [_events]
CUSTOMER_SOURCES: list[Callable[[Member], Iterable[Item]]] = [
    _leads,
    _reports,
    _visits,
    _deals,
    _follow_ups,
    _live,
    _messages,
]


def timeline(member: Member) -> list[Item]:
    """Everything known of the member, newest first."""
    sources = SOURCES + (CUSTOMER_SOURCES if member.customer_id else [])
    items = [i for src in sources for i in src(member)]
    return sorted(items, key=lambda i: i["at"] or datetime.min, reverse=True)
