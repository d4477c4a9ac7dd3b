"""Demo commissions for 锦程·曲江府: base channel 1.0 %, online 1.5 %, consultant 跳点 tiers,
incentives, live-session figures, last month's deals of the demo user `sales` (only when the
leads demo made none for that month), last month's approved statements and this month's
drafts. Run after the leads demo so its channels and teams are used. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediadesk.commissions import rules, services
from mediadesk.commissions.models import Incentive, LiveSessionFigure, Scheme, Statement
from mediadesk.commissions.settlement import SHANGHAI
from mediadesk.leads.models import Channel, Customer, Deal, Opportunity, Source
from mediadesk.orgs.models import Company, Organisation, Project, User

QUJIANG = "锦程·曲江府"
SINCE = dt.date(2024, 1, 1)
CONSULTANT_TIERS = [(0, "0.5"), (5, "0.8"), (10, "1.0")]
# day of last month, amount in ten-thousand yuan, channel name, co-handled, stages
DEALS = [
    (3, 198, "中介A", False, "paid"),
    (8, 235, "线上直播组", False, "paid"),
    (12, 176, None, True, "paid"),
    (17, 210, "中介B", False, "paid+loan"),
    (22, 188, "线上直播组", False, "cancel"),
    (26, 256, None, False, "none"),
]


def load(
    *, org: Organisation, company: Company, projects: dict[str, Project], users: dict[str, Any]
) -> None:
    """Create the commission demo once; later runs change nothing."""
    project = projects[QUJIANG]
    manager = users["manager"]
    this_month = rules.month_start(timezone.localdate())
    last_month = rules.month_start(this_month - dt.timedelta(days=1))
    with transaction.atomic():
        _schemes(org, project, manager)
        _deals(org, project, users["sales"], last_month)
        _incentives(org, project, manager, users)
        _figures(org, project, manager, users["anchor"], last_month)
        services.settle_month(organisation=org, month=last_month, by=manager)
        for statement in Statement.objects.filter(
            project=project, month=last_month, status=Statement.Status.DRAFT
        ):
            services.approve_statement(statement, by=manager)
        services.settle_month(organisation=org, month=this_month, by=manager)


def _scheme(org: Organisation, project: Project, by: User, **values: Any) -> None:
    tiers = values.pop("tiers")
    services.save_scheme(
        None,
        by=by,
        organisation=org,
        values={"project": project, "basis": "rate", "valid_from": SINCE, **values},
        tiers=[{"threshold": t, "rate": Decimal(r)} for t, r in tiers],
    )


def _schemes(org: Organisation, project: Project, by: User) -> None:
    if Scheme.objects.filter(project=project).exists():
        return
    _scheme(org, project, by, name="基础渠道佣金", payee="channel", tiers=[(0, "1.0")])
    _scheme(org, project, by, name="线上渠道佣金（独立体系）", payee="channel",
            channel_kind=Channel.Kind.ONLINE, tiers=[(0, "1.5")])  # fmt: skip
    _scheme(org, project, by, name="置业顾问跳点佣金", payee="consultant",
            tiers=CONSULTANT_TIERS, tier_mode="whole", tier_period="month")  # fmt: skip


def _moment(month: dt.date, day: int, hour: int = 11) -> dt.datetime:
    return dt.datetime(month.year, month.month, day, hour, tzinfo=SHANGHAI)


def _deals(org: Organisation, project: Project, sales: User, month: dt.date) -> None:
    """Last month's deals of `sales`, unless the leads demo already made some."""
    start, end = _moment(month, 1, 0), _moment(rules.next_month(month), 1, 0)
    mine = Deal.objects.filter(project=project, consultant=sales)
    if mine.filter(subscribed_at__gte=start, subscribed_at__lt=end).exists():
        return
    lead = User.objects.filter(username="sales_lead", organisation=org).first()
    now = timezone.now()
    for i, (day, wan, channel_name, co_handled, stages) in enumerate(DEALS):
        channel = Channel.objects.filter(organisation=org, name=channel_name).first()
        when = _moment(month, day)
        phone = f"1361000{i:04d}"
        customer, _ = Customer.objects.get_or_create(
            organisation=org, phone=phone, defaults={"name": f"演示客户{i + 1}"}
        )
        opportunity, _ = Opportunity.objects.get_or_create(
            project=project, customer=customer,
            defaults={"organisation": org, "company": project.company, "consultant": sales,
                      "source": Source.CHANNEL_REPORT if channel else Source.WALK_IN,
                      "channel": channel, "stage": "signed"},
        )  # fmt: skip
        paid = when + dt.timedelta(days=2) if stages != "none" else None
        Deal.objects.create(
            organisation=org, company=project.company, project=project, opportunity=opportunity,
            customer=customer, channel=channel, consultant=sales,
            co_handler=lead if co_handled else None, unit_label=f"5-{i + 1}-{day:02d}01",
            amount_fen=wan * 10_000 * 100, stage="cancelled" if stages == "cancel" else "signed",
            subscribed_at=when, signed_at=when + dt.timedelta(days=1), paid_30_at=paid,
            loan_at=min(now, when + dt.timedelta(days=20)) if stages == "paid+loan" else None,
            cancelled_at=now - dt.timedelta(hours=1) if stages == "cancel" else None,
        )  # fmt: skip


def _incentives(org: Organisation, project: Project, by: User, users: dict[str, Any]) -> None:
    if Incentive.objects.filter(project=project).exists():
        return
    base = {"project": project, "valid_from": SINCE}
    services.save_incentive(
        None, by=by, organisation=org,
        values={**base, "name": "顾问成交阶梯奖", "kind": Incentive.Kind.DEAL_TIERS,
                "target_units": 3},
        members=[users["sales"]],
        tiers=[{"threshold": 4, "per_unit_fen": 500_00}, {"threshold": 6, "per_unit_fen": 800_00}],
    )  # fmt: skip
    services.save_incentive(
        None, by=by, organisation=org,
        values={**base, "name": "后台团队月度目标奖", "kind": Incentive.Kind.TEAM_TARGET,
                "target_units": 5, "bonus_fen": 1_000_00},
        members=[users["operator"], users["service"]], tiers=[],
    )  # fmt: skip
    services.save_incentive(
        None, by=by, organisation=org,
        values={**base, "name": "直播场次奖", "kind": Incentive.Kind.LIVE_SESSION,
                "min_viewers": 1000, "viewers_bonus_fen": 300_00, "min_leads": 30,
                "leads_bonus_fen": 500_00},
        members=[users["anchor"]], tiers=[],
    )  # fmt: skip


def _figures(org: Organisation, project: Project, by: User, anchor: User, month: dt.date) -> None:
    if LiveSessionFigure.objects.filter(project=project, anchor=anchor).exists():
        return
    for day, viewers, leads in ((6, 1860, 42), (13, 920, 31), (20, 640, 12)):
        services.save_live_figure(
            None, by=by, organisation=org,
            values={"project": project, "date": month.replace(day=day), "anchor": anchor,
                    "viewers": viewers, "leads": leads, "note": "周末直播看房"},
        )  # fmt: skip
