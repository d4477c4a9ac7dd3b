"""Read side of the live app: filters, month grid, heatmap, anchor load and ranking."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date

from mediadesk.live.models import ChecklistItem, Session, Status


def filter_sessions(qs: QuerySet[Session], params: Mapping[str, str]) -> QuerySet[Session]:
    """Filters `account, anchor, status, since, until` (dates are local days)."""
    if params.get("account"):
        qs = qs.filter(account_id=params["account"])
    if params.get("anchor"):
        qs = qs.filter(anchors__id=params["anchor"])
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    for key, op in (("since", "gte"), ("until", "lt")):
        day = parse_date(params.get(key) or "")
        if day:
            if key == "until":
                day += dt.timedelta(days=1)
            at = timezone.make_aware(dt.datetime.combine(day, dt.time()))
            qs = qs.filter(**{f"planned_start__{op}": at})
    return qs.order_by("planned_start", "id")


def month_range(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    first = dt.date(year, month, 1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time())),
        timezone.make_aware(dt.datetime.combine(nxt, dt.time())),
    )


def readiness_map(ids: list[int]) -> dict[int, tuple[int, int]]:
    rows = (
        ChecklistItem.objects.filter(session_id__in=ids)
        .values("session_id")
        .annotate(n=Count("id", filter=Q(done=True)), m=Count("id"))
    )
    return {r["session_id"]: (r["n"], r["m"]) for r in rows}


def heatmap(
    account_id: int | None, *, since: dt.datetime | None = None, qs: QuerySet[Session] | None = None
) -> dict[tuple[int, int], dict]:
    """The account's (or the given sessions') weekday × hour heatmap of 平均在线 and 留资."""
    qs = (qs if qs is not None else Session.objects.all()).filter(figures__isnull=False)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if since:
        qs = qs.filter(planned_start__gte=since)
    cells: dict[tuple[int, int], dict] = defaultdict(lambda: {"n": 0, "online": 0, "leads": 0})
    for start, online, leads in qs.values_list(
        "planned_start", "figures__avg_online", "figures__leads"
    ):
        local = timezone.localtime(start)
        cell = cells[(local.weekday(), local.hour)]
        cell["n"] += 1
        cell["online"] += online or 0
        cell["leads"] += leads or 0
    return {
        k: {**v, "avg_online": v["online"] / v["n"], "avg_leads": v["leads"] / v["n"]}
        for k, v in cells.items()
    }


def best_hours(account_id: int) -> list[tuple[int, int]] | None:
    """The account's best windows by average online (top 4 hours), or None without data."""
    cells = heatmap(account_id)
    if not cells:
        return None
    ranked = sorted(cells.items(), key=lambda kv: -kv[1]["avg_online"])[:4]
    return [(hour, hour + 1) for (_wd, hour), _ in ranked]


def anchor_load(qs: QuerySet[Session], week_start: dt.date) -> list[dict[str, Any]]:
    """Per anchor for the week: planned vs held sessions and hours, with a warning below 3."""
    start = timezone.make_aware(dt.datetime.combine(week_start, dt.time()))
    rows = qs.filter(planned_start__gte=start, planned_start__lt=start + dt.timedelta(days=7))
    out: dict[int, dict[str, Any]] = {}
    for s in rows.exclude(status=Status.CANCELLED).prefetch_related("anchors"):
        hours = (s.planned_end - s.planned_start).total_seconds() / 3600
        for a in s.anchors.all():
            row = out.setdefault(a.pk, {"anchor": a, "planned": 0, "held": 0, "hours": 0.0})
            row["planned"] += 1
            row["hours"] += hours
            row["held"] += s.status in (Status.ENDED, Status.REVIEWED)
    for row in out.values():
        row["warning"] = row["planned"] < 3 or row["hours"] / max(row["planned"], 1) < 2
    return list(out.values())


def _hours(s: Session) -> float:
    """Hours on air: actual start–end when both are known, else the planned slot."""
    start, end = s.actual_start or s.planned_start, s.actual_end or s.planned_end
    return max(0.0, (end - start).total_seconds() / 3600)


def session_deals(ids: list[int]) -> dict[int, int]:
    """线上成交套数 per session: units of deals (not 退房) of customers captured in the session,
    on the session's project. A deal counts once per session."""
    from mediadesk.leads.models import Deal, Touch

    by_customer: dict[int, set[tuple[int, int | None]]] = {}
    touches = Touch.objects.filter(live_session_id__in=ids).values_list(
        "customer_id", "live_session_id", "live_session__project_id"
    )
    for customer, sid, project in touches:
        by_customer.setdefault(customer, set()).add((sid, project))
    out: dict[int, int] = {}
    deals = Deal.objects.filter(customer_id__in=list(by_customer)).exclude(
        stage=Deal.Stage.CANCELLED
    )
    for customer, project, units in deals.values_list("customer_id", "project_id", "units"):
        for sid, s_project in by_customer.get(customer, ()):
            if s_project == project:
                out[sid] = out.get(sid, 0) + units
    return out


def ranking(qs: QuerySet[Session], since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """线上标杆: per anchor sessions, hours on air, 场均观看, 留资 and 线上成交套数 (deals of
    the customers captured in their sessions) in the period, best first."""
    sessions = list(
        qs.filter(planned_start__gte=since, planned_start__lt=until,
                  status__in=[Status.ENDED, Status.REVIEWED])
        .select_related("figures").prefetch_related("anchors")
    )  # fmt: skip
    deals = session_deals([s.pk for s in sessions])
    rows: dict[int, dict[str, Any]] = {}
    for s in sessions:
        f = getattr(s, "figures", None) if hasattr(s, "figures") else None
        for a in s.anchors.all():
            row = rows.setdefault(a.pk, {"anchor": a, "sessions": 0, "hours": 0.0, "leads": 0,
                                         "deals": 0, "viewers": []})  # fmt: skip
            row["sessions"] += 1
            row["hours"] += _hours(s)
            row["deals"] += deals.get(s.pk, 0)
            if f is not None and f.viewers is not None:
                row["viewers"].append(f.viewers)
            row["leads"] += (f.leads or 0) if f is not None else 0
    for row in rows.values():
        views = row.pop("viewers")
        row["avg_viewers"] = round(sum(views) / len(views)) if views else None
        row["hours"] = round(row["hours"], 1)
    return sorted(rows.values(), key=lambda r: (-r["deals"], -r["leads"], -r["sessions"]))


def last_sessions(session: Session, n: int = 5) -> list[Session]:
    """The account's last `n` sessions with figures before this one."""
    return list(
        Session.objects.filter(
            account_id=session.account_id,
            planned_start__lt=session.planned_start,
            figures__isnull=False,
        )
        .select_related("figures")
        .order_by("-planned_start")[:n]
    )


def session_leads(session: Session) -> dict[str, Any]:
    """The session's leads (touches) and how many became visits and deals."""
    from mediadesk.leads.models import Deal, Touch, Visit

    touches = Touch.objects.filter(live_session=session).select_related("customer")
    customers = touches.values("customer_id")
    return {
        "touches": list(touches.order_by("-captured_at")[:50]),
        "count": touches.count(),
        "visits": Visit.objects.filter(customer_id__in=customers, project_id=session.project_id)
        .values("customer_id")
        .distinct()
        .count(),
        "deals": Deal.objects.filter(customer_id__in=customers, project_id=session.project_id)
        .values("customer_id")
        .distinct()
        .count(),
    }


def variables(session: Session) -> dict[str, str]:
    """The values of the 话术 variables for a session."""
    offers = "、".join(f"{o.unit} ¥{o.offer_price}" for o in session.offers.all()[:5])
    nxt = (
        Session.objects.filter(
            account_id=session.account_id, planned_start__gt=session.planned_start
        )
        .exclude(status=Status.CANCELLED)
        .values_list("planned_start", flat=True)
        .first()
    )
    return {
        "项目名": session.project.name if session.project else "",
        "特价房源": offers,
        "下期时间": f"{timezone.localtime(nxt):%m-%d %H:%M}" if nxt else "",
    }


def script_cards(session: Session, n: int = 30) -> list[dict[str, Any]]:
    """The usable 话术 of the session's organisation with its variables filled in."""
    from mediadesk.live import rules
    from mediadesk.live.models import Script

    values = variables(session)
    qs = Script.objects.filter(organisation_id=session.organisation_id, state=Script.State.USABLE)
    return [
        {"s": s, "text": rules.fill_variables(s.text, values)}
        for s in qs.filter(Q(project=None) | Q(project_id=session.project_id))[:n]
    ]


KPI = (
    ("viewers", "target_viewers"),
    ("peak_online", "target_peak"),
    ("leads", "target_leads"),
    ("new_followers", "target_followers"),
)


def kpi_card(session: Session) -> list[dict[str, Any]]:
    """Targets vs actual and the account's last 5 sessions' average, per KPI."""
    figures = getattr(session, "figures", None) if hasattr(session, "figures") else None
    last = last_sessions(session)
    rows = []
    for key, target in KPI:
        past = [getattr(s.figures, key) for s in last if getattr(s.figures, key) is not None]
        rows.append({
            "key": key,
            "label": figure_label(key),
            "actual": getattr(figures, key) if figures else None,
            "target": getattr(session, target),
            "avg5": round(sum(past) / len(past)) if past else None,
        })  # fmt: skip
    return rows


def figure_label(key: str) -> str:
    from mediadesk.live.models import Figures

    return str(getattr(Figures._meta.get_field(key), "verbose_name", key))


def weekly(qs: QuerySet[Session], since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """Per week (Monday): sessions held, 观看人数 and 留资 summed."""
    weeks: dict[dt.date, dict[str, Any]] = {}
    rows = (
        qs.filter(planned_start__gte=since, planned_start__lt=until)
        .exclude(status=Status.CANCELLED)
        .values_list("planned_start", "figures__viewers", "figures__leads")
    )
    for start, viewers, leads in rows:
        day = timezone.localtime(start).date()
        monday = day - dt.timedelta(days=day.weekday())
        row = weeks.setdefault(monday, {"week": monday, "sessions": 0, "viewers": 0, "leads": 0})
        row["sessions"] += 1
        row["viewers"] += viewers or 0
        row["leads"] += leads or 0
    return [weeks[k] for k in sorted(weeks)]


def heat_grid(cells: Mapping[tuple[int, int], dict]) -> list[dict[str, Any]]:
    """The heatmap as rows per hour (only hours with data), one cell per weekday."""
    hours = sorted({h for _wd, h in cells})
    top = max((c["avg_online"] for c in cells.values()), default=0) or 1
    return [
        {
            "hour": h,
            "cells": [
                {
                    **cells[(wd, h)],
                    "alpha": round(0.1 + 0.8 * cells[(wd, h)]["avg_online"] / top, 2),
                }
                if (wd, h) in cells
                else None
                for wd in range(7)
            ],
        }
        for h in hours
    ]


def month_grid(year: int, month: int, sessions: list[Session]) -> list[list[dict[str, Any] | None]]:
    """The month as weeks (Mon–Sun) of days with their sessions; None outside the month."""
    import calendar

    by_day: dict[dt.date, list[Session]] = defaultdict(list)
    for s in sessions:
        by_day[timezone.localtime(s.planned_start).date()].append(s)
    return [
        [{"day": d, "sessions": by_day.get(d, [])} if d.month == month else None for d in week]
        for week in calendar.Calendar().monthdatescalendar(year, month)
    ]


def online_chart(session: Session, width: int = 600, height: int = 120) -> dict[str, Any] | None:
    """The per-minute online curve as SVG points, with the run-of-show stage boundaries."""
    figures = getattr(session, "figures", None) if hasattr(session, "figures") else None
    curve = list(figures.online_curve or []) if figures else []
    if len(curve) < 2:
        return None
    top = max(curve) or 1
    step = width / (len(curve) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - v / top * (height - 10):.1f}" for i, v in enumerate(curve)
    )
    bounds, minute = [], 0
    for stage in session.stages.all():
        if 0 < minute < len(curve):
            bounds.append({"x": round(minute * step, 1), "name": stage.name})
        minute += stage.minutes
    return {"points": points, "bounds": bounds, "width": width, "height": height, "peak": top}


def people(session: Session) -> list[Any]:
    """Active users of the session's organisation (owners of review actions)."""
    from mediadesk.orgs.models import User

    return list(
        User.objects.filter(organisation_id=session.organisation_id, is_active=True)
        .only("id", "username", "display_name")
        .order_by("display_name", "username")[:300]
    )
