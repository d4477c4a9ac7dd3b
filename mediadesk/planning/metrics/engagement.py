"""Providers reading the engagement inbox: messages handled, replies sent, the first-response
SLA rate and negative messages closed.

`person` means whoever first answered the message (else its assignee); for replies, the sender.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mediadesk.planning.metrics import Metric, Scope, ids, register

ROW_LIMIT = 200
SCOPES = ("accounts", "platforms", "projects", "person")
HANDLED = ("replied", "closed", "no_reply")


def messages(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Any]:
    """Messages received in the period within the scope (spam excluded)."""
    from mediadesk.engagement.models import Message
    from mediadesk.planning.metrics.leads import _day_range

    low, high = _day_range(start, end)
    qs = Message.objects.filter(
        organisation_id=org_id, received_at__gte=low, received_at__lt=high
    ).exclude(status="spam")
    for key, lookup in {
        "accounts": "account_id__in",
        "platforms": "platform__code__in",
        "projects": "project_id__in",
    }.items():
        if values := ids(scope, key):
            qs = qs.filter(**{lookup: values})
    if people := ids(scope, "person"):
        qs = qs.filter(
            Q(first_responder_id__in=people) | Q(first_responder=None, assignee_id__in=people)
        )
    return qs


def handled(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    """处理量: messages of the period that are replied, closed or marked 无需回复."""
    return Decimal(messages(org_id, scope, start, end).filter(status__in=HANDLED).count())


def _sla_rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Any]:
    """Messages whose SLA is decided: answered, or due and still unanswered."""
    qs = messages(org_id, scope, start, end)
    return qs.filter(Q(first_response_at__isnull=False) | Q(due_at__lt=timezone.now()))


def sla_rate(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal | None:
    """首响达标率 (%) = answered by the due time / messages whose SLA is decided."""
    qs = _sla_rows(org_id, scope, start, end)
    total = qs.count()
    if not total:
        return None
    met = qs.filter(first_response_at__isnull=False).filter(
        Q(due_at=None) | Q(first_response_at__lte=F("due_at"))
    )
    return (Decimal(met.count()) * 100 / total).quantize(Decimal("0.0001"))


def replies(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    """回复量: replies sent in the period (person: the sender)."""
    from mediadesk.engagement.models import Reply
    from mediadesk.planning.metrics.leads import _day_range

    low, high = _day_range(start, end)
    qs = Reply.objects.filter(message__organisation_id=org_id, sent_at__gte=low, sent_at__lt=high)
    if people := ids(scope, "person"):
        qs = qs.filter(by_id__in=people)
    for key, lookup in {"accounts": "message__account_id__in",
                        "platforms": "message__platform__code__in",
                        "projects": "message__project_id__in"}.items():  # fmt: skip
        if values := ids(scope, key):
            qs = qs.filter(**{lookup: values})
    return Decimal(qs.count())


def negative_closed(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    """负面闭环: negative messages of the period that are handled."""
    qs = messages(org_id, scope, start, end).filter(status__in=HANDLED)
    negative = Q(corrected_polarity="negative") | Q(corrected_polarity="", polarity="negative")
    return Decimal(qs.filter(negative).count())


def rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = _sla_rows(org_id, scope, start, end).select_related("account").order_by("-received_at")
    return [
        {"label": f"{m.account or ''} · {m.text[:30]}", "date": m.received_at,
         "value": int(m.first_response_at is not None
                      and (m.due_at is None or m.first_response_at <= m.due_at)),
         "url": f"/engagement/messages/{m.pk}/"}
        for m in qs[:ROW_LIMIT]
    ]  # fmt: skip


SOURCE = _("互动：收件箱消息与回复")
register(
    Metric("messages_handled", _("消息处理量"), SOURCE, _("条"), handled, rows, scopes=SCOPES),
    Metric("first_response_sla", _("首响达标率"), SOURCE, "%", sla_rate, rows, kind="level",
           scopes=SCOPES),
    Metric("replies_sent", _("回复量"), SOURCE, _("条"), replies, rows, scopes=SCOPES),
    Metric("negative_closed", _("负面消息闭环"), SOURCE, _("条"), negative_closed, rows,
           scopes=SCOPES),
)  # fmt: skip
