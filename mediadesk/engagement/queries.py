"""Engagement reads: scoped inbox with filters, figures (response times, SLA %), dashboard
aggregates, per-post feedback. The UI and the API both call these."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from mediadesk.core import cockpit, scopes
from mediadesk.engagement import perms, rules
from mediadesk.engagement.models import (
    OPEN_STATUSES,
    Correction,
    Incident,
    Mention,
    Message,
    Polarity,
    Status,
)
from mediadesk.matrix.models import Platform

FILTERS = ("status", "platform", "account", "post", "assignee", "sentiment", "overdue", "sla", "q", "tag", "lead")  # fmt: skip


COUNT_CAP = 10_000  # counting millions of filtered rows for "共 N 条" costs more than the page


def capped_count(rows: QuerySet[Any]) -> int:
    """The number of rows, exact up to COUNT_CAP; COUNT_CAP + 1 means "more"."""
    return rows.order_by()[: COUNT_CAP + 1].count()


class CappedPaginator(Paginator):
    """A paginator whose total stops counting at COUNT_CAP (shown as 10,000+)."""

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list)  # type: ignore[arg-type]

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def visible_messages(user: Any) -> QuerySet[Message]:
    """Messages of accounts in the user's scope (organisation-wide ones for org holders)."""
    return Message.objects.filter(scopes.scope_q(user, perms.VIEW, shared=True))


def access_message(user: Any, pk: Any) -> Message:
    """One visible message, or 404."""
    return scopes.get_or_404(visible_messages(user).select_related("platform", "account", "assignee", "variant"), pk)  # fmt: skip


def filtered(rows: QuerySet[Message], params: Mapping[str, Any], *, user: Any = None, now: dt.datetime | None = None) -> QuerySet[Message]:  # fmt: skip
    """The inbox filters of the page and the API."""
    now = now or timezone.now()
    p = {k: str(params.get(k) or "").strip() for k in FILTERS}
    if p["status"] == "open":
        rows = rows.filter(is_open=True)
    elif p["status"]:
        rows = rows.filter(status=p["status"])
    if p["platform"]:
        # By id, not through the join: the (platform, status, received_at) index serves it.
        platform = Platform.objects.filter(code=p["platform"]).values_list("pk", flat=True).first()
        rows = rows.filter(platform_id=platform or 0)
    if p["account"].isdigit():
        rows = rows.filter(account_id=int(p["account"]))
    if p["post"].isdigit():
        rows = rows.filter(variant_id=int(p["post"]))
    if p["assignee"] == "me" and user is not None:
        rows = rows.filter(assignee=user)
    elif p["assignee"] == "none":
        rows = rows.filter(assignee=None)
    elif p["assignee"].isdigit():
        rows = rows.filter(assignee_id=int(p["assignee"]))
    if p["sentiment"] in Polarity.values:
        rows = rows.filter(Q(corrected_polarity=p["sentiment"]) | Q(corrected_polarity="", polarity=p["sentiment"]))  # fmt: skip
    if p["overdue"] in ("1", "true", "yes") or p["sla"] == "overdue":
        rows = rows.filter(is_open=True, first_response_at=None, due_at__lt=now)
    elif p["sla"] == "soon":
        soon = now + dt.timedelta(minutes=30)
        rows = rows.filter(is_open=True, first_response_at=None, due_at__gte=now, due_at__lt=soon)
    if p["lead"] in ("1", "true"):
        rows = rows.filter(lead_candidate=True)
    if p["tag"]:
        rows = rows.filter(tags__icontains=p["tag"])
    if p["q"]:
        rows = rows.filter(Q(text__icontains=p["q"]) | Q(author_name__icontains=p["q"]))
    return rows


def time_left(message: Message, now: dt.datetime | None = None) -> int | None:
    """Minutes until the first response is due (negative when overdue); None when answered."""
    if message.first_response_at or message.status not in OPEN_STATUSES or message.due_at is None:
        return None
    return int((message.due_at - (now or timezone.now())).total_seconds() // 60)


def response_figures(rows: QuerySet[Message], by: str) -> list[dict[str, Any]]:
    """Median and p90 first response (minutes) and SLA % grouped by `by`
    ("first_responder__username", "account__name" or "platform__name")."""
    data = rows.exclude(first_response_at=None).values_list(by, "received_at", "first_response_at", "due_at")  # fmt: skip
    groups: dict[str, list[tuple[float, bool]]] = {}
    for key, received, first, due in data.iterator():
        minutes = (first - received).total_seconds() / 60
        groups.setdefault(key or "—", []).append((minutes, due is None or first <= due))
    out = []
    for key, values in sorted(groups.items()):
        minutes = [m for m, _ok in values]
        out.append({
            "name": key, "count": len(values), "median": _round(rules.percentile(minutes, 50)),
            "p90": _round(rules.percentile(minutes, 90)),
            "sla_pct": round(100 * sum(ok for _m, ok in values) / len(values), 1),
        })  # fmt: skip
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def dashboard(user: Any, *, days: int = 14, now: dt.datetime | None = None) -> dict[str, Any]:
    """Volume by platform/day, response figures, SLA %, sentiment trend, top words, incidents."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    rows = visible_messages(user).filter(received_at__gte=since)
    per_day = list(rows.annotate(day=TruncDate("received_at")).values("day").annotate(
        total=Count("id"), positive=Count("id", filter=Q(polarity="positive")),
        negative=Count("id", filter=Q(polarity="negative")),
    ).order_by("day"))  # fmt: skip
    words: Counter[str] = Counter()
    for batch in rows.values_list("sentiment_words", flat=True)[:5000]:
        words.update(batch or [])
    return {
        "total": rows.count(),
        "open": rows.filter(is_open=True).count(),
        "overdue": rows.filter(is_open=True, first_response_at=None, due_at__lt=now).count(),
        "platforms": list(
            rows.values(name=F("platform__name")).annotate(n=Count("id")).order_by("-n")
        ),
        "accounts": list(
            rows.exclude(account=None)
            .values(name=F("account__name"))
            .annotate(n=Count("id"))
            .order_by("-n")[:10]
        ),
        "days": [
            {
                "day": r["day"].isoformat(),
                "total": r["total"],
                "positive": r["positive"],
                "negative": r["negative"],
            }
            for r in per_day
        ],
        "by_person": response_figures(rows, "first_responder__display_name"),
        "by_platform": response_figures(rows, "platform__name"),
        "by_account": response_figures(rows, "account__name"),
        "words": words.most_common(20),
        "incidents": visible_incidents(user).filter(state=Incident.State.OPEN).count(),
    }


def correction_agreement(organisation_id: int) -> dict[str, Any]:
    """How often people agreed with the engine (corrections kept vs messages looked at)."""
    corrections = Correction.objects.filter(organisation_id=organisation_id)
    changed = corrections.exclude(polarity=F("engine_polarity")).count()
    total = corrections.count()
    return {"corrections": total, "changed": changed, "agreement": round(100 * (total - changed) / total, 1) if total else None}  # fmt: skip


def post_feedback(variant_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per post: comments by sentiment, 正面评论占比, top negative types (analytics hints)."""
    rows = Message.objects.filter(variant_id__in=variant_ids)
    out: dict[int, dict[str, Any]] = {}
    for vid, polarity, types in rows.values_list("variant_id", "polarity", "negative_types"):
        entry = out.setdefault(
            vid, {"positive": 0, "neutral": 0, "negative": 0, "types": Counter()}
        )
        entry[polarity] += 1
        if polarity == Polarity.NEGATIVE:
            entry["types"].update(types or [])
    for entry in out.values():
        total = entry["positive"] + entry["neutral"] + entry["negative"]
        entry["positive_share"] = round(100 * entry["positive"] / total, 1) if total else None
        entry["top_negative"] = [t for t, _n in entry.pop("types").most_common(3)]
    return out


def post_hint_feedback(variant_ids: Any) -> dict[int, Any]:
    """The analytics hints' view of post_feedback (registered in apps.py)."""
    from mediadesk.analytics.hints import Feedback

    return {
        vid: Feedback(e["positive"], e["neutral"], e["negative"], e["top_negative"])
        for vid, e in post_feedback(list(variant_ids)).items()
    }


def home_card(request: Any) -> dict[str, Any] | None:
    """The 工作台 card: my open messages, overdue ones in scope, lead candidates not yet
    turned into leads, open incidents — each the length of the inbox list it links to."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or not scopes.has_perm(user, perms.VIEW):
        return None
    rows = visible_messages(user).filter(is_open=True)
    now = timezone.now()
    inbox = "engagement:inbox"
    figures = [
        _figure(_("我的待处理"), capped_count(rows.filter(assignee=user)), inbox,
                {"assignee": "me", "status": "open"}),
        _figure(_("已超时"), capped_count(rows.filter(first_response_at=None, due_at__lt=now)),
                inbox, {"overdue": "1"}, alarm="danger"),
        _figure(_("潜在客户"), capped_count(rows.filter(lead_candidate=True, lead_touch_id=None)),
                inbox, {"lead": "1", "status": "open"}, alarm="warning"),
    ]  # fmt: skip
    if _orgs_with(user, perms.OPINION_VIEW):
        open_incidents = visible_incidents(user).filter(state=Incident.State.OPEN).count()
        figures.append(_figure(_("舆情事件"), open_incidents, "engagement:incidents",
                               {"state": "open"}, alarm="warning"))  # fmt: skip
    return cockpit.Card("engagement", str(_("互动")), "bi-chat-dots", figures=figures).context()


def _figure(
    label: str, value: int, url_name: str, params: dict[str, str], *, alarm: str = ""
) -> cockpit.Figure:
    shown = f"{COUNT_CAP:,}+" if value > COUNT_CAP else value
    return cockpit.Figure(label, shown, cockpit.link(url_name, params), tone=alarm if value else "")


def visible_incidents(user: Any) -> QuerySet[Incident]:
    return Incident.objects.filter(organisation_id__in=scopes.organisation_ids(user)).filter(
        organisation_id__in=_orgs_with(user, perms.OPINION_VIEW)
    )


def visible_mentions(user: Any) -> QuerySet[Mention]:
    return Mention.objects.filter(organisation_id__in=_orgs_with(user, perms.OPINION_VIEW))


def _orgs_with(user: Any, perm: str) -> set[int]:
    return {g.organisation_id for g in scopes.grants(user) if perm in _perms(g.role)}


def _perms(role: str) -> frozenset[str]:
    from mediadesk.orgs.roles import perms_of

    return perms_of({role})


def status_counts(rows: QuerySet[Message]) -> dict[str, int]:
    counts = dict(rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {s: counts.get(s, 0) for s in Status.values}
