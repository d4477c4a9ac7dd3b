"""Demo leads: channels, brokers, teams and consultants, a campaign, customers in every
state (new, contacted, visited, deals, lost, SLA-overdue, in the public pool), channel
reports with an open dispute, and a referral waiting for approval. Written through the
services, so every row has its audit trail. Idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediadesk.leads import arbitration, attribution, pool, services, sla
from mediadesk.leads.models import (
    AllocationRule,
    Channel,
    Consultant,
    Dispute,
    FollowUp,
    Opportunity,
    Source,
    Stage,
    Team,
)
from mediadesk.orgs.models import Company, Organisation, Project, RoleGrant, User
from mediadesk.orgs.roles import Role

PASSWORD = "mediadesk-demo"
QUJIANG, YUNJING = "锦程·曲江府", "锦程·高新云境"
CHANNELS = [
    ("线上直播组", Channel.Kind.ONLINE), ("中介A", Channel.Kind.AGENCY),
    ("中介B", Channel.Kind.AGENCY), ("全民营销", Channel.Kind.REFERRAL),
    ("电约", Channel.Kind.PHONE),
]  # fmt: skip
# username, display name, phone — sales staff of 曲江府 besides the demo user `sales`
STAFF = [
    ("sales_lead", "周主管", "13800000021"),
    ("sales2", "吴顾问", "13800000022"),
    ("sales_online", "郑顾问", "13800000023"),
]
BROKERS = [
    ("broker_a", "刘经纪", "13700000031", "中介A"),
    ("broker_b", "陈经纪", "13700000032", "中介B"),
]
# phone, name, source, what happens to the lead
CUSTOMERS = [
    ("13912340001", "张先生", Source.WALK_IN, "new"),
    ("13912340002", "李女士", Source.LIVE, "contacted"),
    ("13912340003", "王先生", Source.PHONE_APPOINTMENT, "visited"),
    ("13912340004", "赵女士", Source.SHORT_VIDEO, "pledged"),
    ("13912340005", "钱先生", Source.WALK_IN, "subscribed"),
    ("13912340006", "孙女士", Source.OFFICIAL_ACCOUNT, "signed"),
    ("13912340007", "周先生", Source.EVENT, "lost"),
    ("13912340008", "吴女士", Source.CALL_400, "invalid"),
    ("13912340009", "郑先生", Source.WALK_IN, "silent"),
    ("13912340010", "冯女士", Source.FORM, "overdue"),
    ("13912340011", "陈先生", Source.WALK_IN, "referral"),
]


def load(
    *, org: Organisation, company: Company, projects: dict[str, Project], users: dict[str, Any]
) -> None:
    """Create the leads demo once (nothing happens when the channels already exist)."""
    if Channel.objects.filter(organisation=org, name="线上直播组").exists():
        return
    admin = users["admin"]
    with transaction.atomic():
        qujiang = projects[QUJIANG]
        _rules(projects)
        channels = {
            name: services.save_channel(
                None, by=admin, organisation=org, values={"name": name, "kind": kind}
            )
            for name, kind in CHANNELS
        }
        staff = _staff(org, qujiang, users)
        _teams(org, qujiang, staff, users["sales"])
        brokers = _brokers(admin, channels, qujiang)
        services.save_campaign(
            None, by=admin, project=qujiang,
            values={"name": "曲江府周末直播留资", "source": Source.LIVE},
        )  # fmt: skip
        opportunities = _customers(org, qujiang, admin, channels)
        _states(opportunities, staff, users, projects)
        _reports(qujiang, brokers, channels)


def _rules(projects: dict[str, Project]) -> None:
    qujiang = attribution.rules_for(projects[QUJIANG])
    qujiang.protected_sources = {Source.PHONE_APPOINTMENT: 30, Source.LIVE: 30}
    qujiang.save(update_fields=["protected_sources"])
    for project in projects.values():
        attribution.rules_for(project)


def _user(org: Organisation, username: str, display: str, phone: str) -> User:
    user = User(username=username, organisation=org, display_name=display, phone=phone)
    user.set_password(PASSWORD)
    user.save()
    return user


def _staff(org: Organisation, project: Project, users: dict[str, Any]) -> dict[str, User]:
    staff = {"sales": users["sales"]}
    for username, display, phone in STAFF:
        user = User.objects.filter(username=username).first() or _user(
            org, username, display, phone
        )
        RoleGrant.objects.get_or_create(
            user=user, role=Role.SALES, organisation=org, company=project.company, project=project
        )
        staff[username] = user
    return staff


def _teams(org: Organisation, project: Project, staff: dict[str, User], sales: User) -> None:
    lead = staff["sales_lead"]
    site = Team.objects.create(organisation=org, project=project, name="曲江一组", supervisor=lead)
    online = Team.objects.create(
        organisation=org, project=project, name="线上组", supervisor=lead, is_online=True
    )
    for user, team in ((sales, site), (staff["sales2"], site), (staff["sales_online"], online)):
        Consultant.objects.create(organisation=org, project=project, user=user, team=team)
    AllocationRule.objects.create(project=project, source="", strategy="round_robin")


def _brokers(admin: User, channels: dict[str, Channel], project: Project) -> dict[str, Any]:
    out = {}
    for username, display, phone, channel in BROKERS:
        out[username] = services.create_broker(
            by=admin, channel=channels[channel], project=project, username=username,
            display_name=display, phone_number=phone, password=PASSWORD,
        )  # fmt: skip
    return out


def _customers(
    org: Organisation, project: Project, admin: User, channels: dict[str, Channel]
) -> dict[str, Opportunity]:
    out = {}
    for phone, name, source, state in CUSTOMERS:
        channel = channels["电约"] if source == Source.PHONE_APPOINTMENT else None
        if source in (Source.LIVE, Source.SHORT_VIDEO):
            channel = channels["线上直播组"]
        touch = services.capture_lead(
            organisation=org, project=project, phone=phone, source=source, by=admin,
            name=name, channel=channel,
        )  # fmt: skip
        out[state] = Opportunity.objects.get(project=project, customer=touch.customer)
    return out


def _follow(o: Opportunity, text: str, intent: str = "B") -> None:
    o.refresh_from_db()
    services.add_follow_up(
        o, by=o.consultant, kind=FollowUp.Kind.CALL, content=text, call_seconds=240,
        intent=intent, next_contact_at=timezone.now() + dt.timedelta(days=2),
    )  # fmt: skip


def _states(
    opps: dict[str, Opportunity],
    staff: dict[str, User],
    users: dict[str, Any],
    projects: dict[str, Project],
) -> None:
    manager = users["manager"]
    now = timezone.now()
    for state in ("contacted", "visited", "pledged", "subscribed", "signed", "lost", "invalid",
                  "referral"):  # fmt: skip
        _follow(opps[state], "首次电话沟通，关注三居室", intent="A" if state != "lost" else "C")
    services.change_stage(opps["visited"], by=manager, stage=Stage.VISITED)
    for i, stage in enumerate(("pledged", "subscribed", "signed")):
        services.change_stage(opps[stage], by=manager, stage=Stage.VISITED)
        attribution.record_deal(
            opportunity=opps[stage], by=manager, stage=stage, unit_label=f"3-{i + 1}-1201",
            amount_fen=(180 + 20 * i) * 1_000_000, at=now - dt.timedelta(days=i),
        )  # fmt: skip
    services.change_stage(opps["lost"], by=manager, stage=Stage.LOST, reason="已购买竞品")
    services.change_stage(opps["invalid"], by=manager, stage=Stage.INVALID, reason="空号")
    silent = opps["silent"]
    month_ago = now - dt.timedelta(days=40)
    Opportunity.objects.filter(pk=silent.pk).update(created_at=month_ago, assigned_at=month_ago)
    pool.send_to_pool(silent, reason="30天未跟进")
    overdue = opps["overdue"]
    Opportunity.objects.filter(pk=overdue.pk).update(
        first_contact_due=now - dt.timedelta(minutes=5)
    )
    overdue.refresh_from_db()
    sla.flag_breach(overdue, now)
    arbitration.request_referral(
        customer=opps["referral"].customer, from_project=projects[QUJIANG],
        to_project=projects[YUNJING], by=manager, reason="客户同时关注高新区",
    )  # fmt: skip


def _reports(project: Project, brokers: dict[str, Any], channels: dict[str, Channel]) -> None:
    """A winning report, a losing one, and a masked-vs-masked collision (an open dispute)."""
    a, b = brokers["broker_a"], brokers["broker_b"]
    for broker, phone in ((a, "13600001111"), (b, "13600001111"), (a, "13600002222")):
        attribution.file_report(
            project=project, phone=phone, channel=broker.channel, by=broker.user, broker=broker
        )
    first = attribution.file_report(
        project=project, phone="188****6666", channel=a.channel, by=a.user, broker=a
    )
    second = attribution.file_report(
        project=project, phone="188****6666", channel=b.channel, by=b.user, broker=b
    )
    if not Dispute.objects.filter(project=project, decision="").exists():
        arbitration.open_dispute(kind=Dispute.Kind.MASKED, report_a=first, report_b=second)
