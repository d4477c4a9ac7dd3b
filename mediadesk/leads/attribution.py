"""报备/判客 services: file reports, record visits and viewing trips, deals, rule sets.

Each write runs in one transaction that first locks the number's `PhoneLock` row (project,
first three, last four digits) — every full or masked claim that could collide shares it —
so concurrent reports of one number are judged one after another on SQLite and PostgreSQL.
The judge itself is `rules.py`; this module gathers the facts as of the event time, stores
the verdict, and applies its effects (opportunity attribution, disputes, notifications).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, scopes
from mediadesk.core.errors import Conflict, PermissionDenied, ValidationError
from mediadesk.leads import notices, rules
from mediadesk.leads.customers import customer_for_phone
from mediadesk.leads.models import (
    Broker,
    Channel,
    ChannelRule,
    Customer,
    Deal,
    Dispute,
    FollowUp,
    Opportunity,
    PhoneLock,
    Report,
    ResultCode,
    RuleSet,
    Source,
    Stage,
    ViewingTrip,
    Visit,
)
from mediadesk.notifications import services as notifications
from mediadesk.orgs.models import Project, RoleGrant, User
from mediadesk.orgs.roles import ROLE_PERMS, Perm

audit.register_actions(
    {
        "lead_report.file": gettext_lazy("渠道报备"),
        "lead_report.judge": gettext_lazy("判客结果变更"),
        "lead_visit.record": gettext_lazy("登记到访"),
        "lead_visit.confirm": gettext_lazy("到访确客"),
        "viewing_trip.create": gettext_lazy("登记带看单"),
        "deal.create": gettext_lazy("登记成交"),
        "deal.advance": gettext_lazy("成交推进"),
        "deal.cancel": gettext_lazy("退房"),
        "lead_rules.update": gettext_lazy("修改判客规则"),
        "lead_rules.channel": gettext_lazy("修改渠道规则"),
        "lead_report.export": gettext_lazy("导出报备记录"),
    }
)
notifications.register_kinds(
    {
        "leads.report_result": gettext_lazy("报备判客结果"),
        "leads.protection_ending": gettext_lazy("报备保护期即将结束"),
        "leads.dispute": gettext_lazy("争议判客"),
        "leads.referral": gettext_lazy("通盘通客转介"),
    }
)

REPORT_FIELDS = ("result_code", "reason", "status", "protecting", "protect_visit_until",
                 "protect_deal_until", "first_visit_at", "closed_at")  # fmt: skip


# --- rule sets --------------------------------------------------------------------------------


def rules_for(project: Project) -> RuleSet:
    """The project's rule set, created with the spec defaults the first time."""
    found = RuleSet.objects.filter(project=project).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            created = RuleSet.objects.create(
                project=project, organisation_id=project.organisation_id
            )
    except IntegrityError:
        return RuleSet.objects.get(project=project)
    created.refresh_from_db()  # field defaults as the database holds them (Decimal ratio)
    return created


def params_for(rule_set: RuleSet, channel: Channel | None) -> rules.Params:
    """The effective rules for `channel`: the project's values with the channel's overrides."""
    override = (
        ChannelRule.objects.filter(rules=rule_set, channel=channel).first() if channel else None
    )

    def pick(name: str) -> Any:
        value = getattr(override, name, None) if override else None
        return getattr(rule_set, name) if value is None else value

    return rules.Params(
        mode=rule_set.mode,
        visit_protect_days=pick("visit_protect_days"),
        deal_protect_days=pick("deal_protect_days"),
        intercept_minutes=pick("intercept_minutes"),
        masked=rule_set.masked,
        only_new=rule_set.only_new,
        old_owners=rule_set.old_owners,
        allow_negative_rereport=rule_set.allow_negative_rereport,
        owned_rereport_days=rule_set.owned_rereport_days,
        daily_report_limit=rule_set.daily_report_limit,
        revisit_refreshes_deal=rule_set.revisit_refreshes_deal,
        day_counting=rule_set.day_counting,
        pool_cooldown_days=rule_set.pool_cooldown_days,
        protected_sources=dict(rule_set.protected_sources or {}),
    )


def in_project(user: Any, perm: str, project: Project) -> bool:
    """True if `user` holds `perm` in a scope containing `project`."""
    stub = Opportunity(
        organisation_id=project.organisation_id, company_id=project.company_id, project=project
    )
    return scopes.allows(user, perm, stub)


def users_with(perm: str, project: Project) -> list[User]:
    """Active users holding `perm` in a scope containing `project` (who to notify)."""
    roles = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    scope = (
        Q(project=project)
        | Q(project__isnull=True, company_id=project.company_id)
        | Q(project__isnull=True, company__isnull=True)
    )
    grants = RoleGrant.objects.filter(
        scope, role__in=roles, organisation_id=project.organisation_id
    )
    return list(User.objects.filter(pk__in=grants.values("user_id"), is_active=True))


# --- facts --------------------------------------------------------------------------------------


def lock_number(project: Project, claim: rules.Claim) -> None:
    """Lock the number's row for the rest of the transaction (created race-safe first)."""
    locked = PhoneLock.objects.select_for_update().filter(
        project=project, prefix=claim.prefix, tail=claim.tail
    )
    if locked.exists():
        return
    # ON CONFLICT DO NOTHING waits for a racing insert of the same key, then the lock is taken.
    row = PhoneLock(project=project, prefix=claim.prefix, tail=claim.tail)
    PhoneLock.objects.bulk_create([row], ignore_conflicts=True)
    locked.exists()


def prior_of(report: Report) -> rules.Prior:
    return rules.Prior(
        id=report.pk,
        channel_id=report.channel_id,
        pattern=report.phone,
        masked=report.is_masked,
        mode=report.mode,
        reported_at=report.reported_at,
        result_code=report.result_code,
        status=report.status,
        protect_visit_until=report.protect_visit_until,
        protect_deal_until=report.protect_deal_until,
        intercept_until=report.intercept_until,
        first_visit_at=report.first_visit_at,
        closed_at=report.closed_at,
    )


def _matching_reports(project: Project, claim: rules.Claim, t: dt.datetime) -> list[Report]:
    """Reports of the project agreeing with `claim` on its known digits, filed by `t`."""
    rows = Report.objects.filter(
        project=project, phone_prefix=claim.prefix, phone_suffix=claim.tail, reported_at__lte=t
    ).order_by("reported_at", "id")
    return [r for r in rows if rules.matches(r.phone, claim.pattern)]


PRIOR_COLUMNS = {"id": "id", "channel_id": "channel_id", "pattern": "phone",
                 "masked": "is_masked", "mode": "mode", "reported_at": "reported_at",
                 "result_code": "result_code", "status": "status",
                 "protect_visit_until": "protect_visit_until",
                 "protect_deal_until": "protect_deal_until", "intercept_until": "intercept_until",
                 "first_visit_at": "first_visit_at", "closed_at": "closed_at"}  # fmt: skip


def number_priors(
    project: Project, claim: rules.Claim, t: dt.datetime, now: dt.datetime
) -> tuple[tuple[rules.Prior, ...], list[int]]:
    """In ONE query on the (project, prefix, suffix) index: the reports agreeing with `claim`
    filed by `t` (the judge's priors), and the ids of this exact number's reports still
    flagged as protecting although their protection ran out by `now` (to release)."""
    rows = (
        Report.objects.filter(project=project, phone_prefix=claim.prefix, phone_suffix=claim.tail)
        .order_by("reported_at", "id")
        .values_list(*PRIOR_COLUMNS.values(), "protecting")
    )
    priors, stale = [], []
    for *values, protecting in rows:
        prior = rules.Prior(**dict(zip(PRIOR_COLUMNS, values, strict=True)))
        if protecting and prior.pattern == claim.pattern and not prior.active_at(now):
            stale.append(prior.id)
        if prior.reported_at <= t and rules.matches(prior.pattern, claim.pattern):
            priors.append(prior)
    return tuple(priors), stale


def _owner_projects(customer: Customer, opps: list[Opportunity], t: dt.datetime) -> set[int]:
    """Projects where the customer had bought (认购/签约, not cancelled) by `t`."""
    owned = {o.project_id for o in opps if o.is_owner}
    if not opps:
        return owned  # a deal always belongs to an opportunity
    deals = Deal.objects.filter(customer=customer).values_list(
        "project_id", "subscribed_at", "signed_at", "cancelled_at"
    )
    for project_id, subscribed, signed, cancelled in deals:
        bought = any(x is not None and x <= t for x in (subscribed, signed))
        if bought and (cancelled is None or cancelled > t):
            owned.add(project_id)
    return owned


def _opportunity_facts(opp: Opportunity | None, t: dt.datetime) -> rules.OpportunityFacts | None:
    if opp is None or opp.created_at > t:
        return None
    # Only the latest activity matters; the stored ones are exact when none lie after `t`.
    # None stored means none recorded: add_follow_up and every visit keep both fields.
    stored = [x for x in (opp.last_follow_at, opp.last_visit_at) if x is not None]
    if not stored or max(stored) <= t:
        last = max([opp.created_at, *stored])
        return _facts_of(opp, last)
    follow = FollowUp.objects.filter(opportunity=opp, at__lte=t).aggregate(m=Max("at"))["m"]
    visit = Visit.objects.filter(
        project_id=opp.project_id, customer_id=opp.customer_id, visited_at__lte=t
    ).aggregate(m=Max("visited_at"))["m"]
    found: list[dt.datetime] = [x for x in (opp.created_at, follow, visit) if x is not None]
    return _facts_of(opp, max(found, default=None))


def _facts_of(opp: Opportunity, last: dt.datetime | None) -> rules.OpportunityFacts:
    return rules.OpportunityFacts(
        consultant_id=opp.consultant_id,
        channel_id=opp.channel_id,
        attributed_report_id=opp.attributed_report_id,
        stage=opp.stage,
        in_pool=opp.in_pool,
        source=opp.source,
        last_activity_at=last,
        cooldown_until=opp.cooldown_until,
        source_protected_until=opp.source_protected_until,
    )


def facts_for(
    project: Project,
    customer: Customer | None,
    priors: tuple[rules.Prior, ...],
    t: dt.datetime,
    *,
    fresh: bool = False,
) -> tuple[rules.Facts, Opportunity | None]:
    """Everything the judge needs about this number in this project as of `t`, and the
    customer's opportunity there (`fresh`: the customer is new, it owns and follows nothing)."""
    if customer is None or fresh:
        return rules.Facts(priors=priors), None
    opps = list(Opportunity.objects.filter(customer=customer))
    owners = _owner_projects(customer, opps, t)
    opp = next((o for o in opps if o.project_id == project.pk), None)
    if opp is not None:
        opp.project, opp.customer = project, customer  # labels without extra queries
    facts = rules.Facts(
        priors=priors,
        group_owner=customer.is_group_owner or bool(owners - {project.pk}),
        project_owner=project.pk in owners,
        opportunity=_opportunity_facts(opp, t),
    )
    return facts, opp


# --- reports ------------------------------------------------------------------------------------


def _parse(phone: str, field: str = "phone") -> rules.Claim:
    try:
        return rules.parse_phone(phone)
    except rules.PhoneError as exc:
        raise ValidationError({field: str(exc)}) from None


def _check_reporter(
    *, project: Project, channel: Channel, by: Any, broker: Broker | None, reported_at: Any
) -> Broker | None:
    """leads.report in the project's scope; a broker reports only for their own channel."""
    if not in_project(by, Perm.LEADS_REPORT, project):
        raise PermissionDenied(_("没有该项目的报备权限"))
    if channel.organisation_id != project.organisation_id or not channel.is_active:
        raise ValidationError({"channel": _("渠道不存在或已停用")})
    own = Broker.objects.filter(user_id=by.pk, is_active=True).first()
    if own is not None:
        if broker is not None and broker.pk != own.pk:
            raise PermissionDenied(_("经纪人只能以自己的身份报备"))
        broker = own
    if broker is not None and broker.channel_id != channel.pk:
        raise ValidationError({"channel": _("经纪人只能为所属渠道报备")})
    if reported_at is not None and not in_project(by, Perm.LEADS_IMPORT, project):
        raise PermissionDenied(_("只有具备导入权限的用户可以补录报备时间"))
    return broker


def _reports_today(project: Project, by: Any, broker: Broker | None, t: dt.datetime) -> int:
    day = timezone.localtime(t).date()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=rules.SHANGHAI)
    who = Q(broker=broker) if broker else Q(reporter_id=by.pk, broker__isnull=True)
    return Report.objects.filter(
        who, project=project, reported_at__gte=start, reported_at__lt=start + dt.timedelta(days=1)
    ).count()


def _check_daily_limit(
    params: rules.Params, claim: rules.Claim, project: Project, by: Any, broker: Broker | None,
    t: dt.datetime,
) -> None:  # fmt: skip
    error = rules.admission_error(params, claim, _reports_today(project, by, broker, t))
    if error:
        # the masked-number policy (checked with no reports today) is about the phone field
        field = "phone" if rules.admission_error(params, claim, 0) else "__all__"
        raise ValidationError({field: error})


def _lock_reporter(by: Any, broker: Broker | None) -> None:
    """Serialise one reporter's reports (the broker row, else the user row), so the daily
    limit is counted after every earlier report of the same reporter has committed."""
    if broker is not None:
        list(Broker.objects.select_for_update().filter(pk=broker.pk).values_list("pk"))
    else:
        list(User.objects.select_for_update().filter(pk=by.pk).values_list("pk"))


def file_report(
    *,
    project: Project,
    phone: str,
    channel: Channel,
    by: Any,
    broker: Broker | None = None,
    reported_at: dt.datetime | None = None,
    named_consultant: Any = None,
    reporter: Any = None,
) -> Report:
    """File and judge a report (报备) as of `reported_at` (default now); always stored with its
    result code — a refusal is recorded too. `reporter` files on someone's behalf (import)."""
    claim = _parse(phone)
    broker = _check_reporter(
        project=project, channel=channel, by=by, broker=broker, reported_at=reported_at
    )
    now = timezone.now()
    t = reported_at or now
    if t > now + dt.timedelta(minutes=5):
        raise ValidationError({"reported_at": _("报备时间不能晚于当前时间")})
    if named_consultant is not None and claim.masked:
        raise ValidationError({"named_consultant": _("隐号报备不能指定置业顾问")})
    rule_set = rules_for(project)
    params = params_for(rule_set, channel)
    with transaction.atomic():
        # Counted under the reporter's lock, so parallel reports cannot all see room left.
        _lock_reporter(by, broker)
        _check_daily_limit(params, claim, project, by, broker, t)
        customer, fresh = (
            (None, False)
            if claim.masked
            else customer_for_phone(project.organisation_id, claim.pattern)
        )
        lock_number(project, claim)
        # "Now" is read under the lock, so a live report is never judged as of a moment
        # before a rival that was judged ahead of it.
        now = timezone.now()
        t = reported_at or now
        priors, stale = number_priors(project, claim, t, now)
        facts, opp = facts_for(project, customer, priors, t, fresh=fresh)
        verdict = rules.judge_report(params, rules.NewReport(claim, channel.pk, t), facts)
        if stale:  # protection that ran out no longer blocks the partial unique constraint
            Report.objects.filter(pk__in=stale).update(protecting=False)
        report = _store_report(
            project=project, claim=claim, channel=channel, by=reporter or by, broker=broker,
            customer=customer, t=t, now=now, verdict=verdict, params=params,
            named_consultant=named_consultant,
        )  # fmt: skip
        _after_report(report, verdict, by=by, named_consultant=named_consultant, opp=opp,
                      rule_set=rule_set)  # fmt: skip
    return report


def _store_report(
    *, project: Project, claim: rules.Claim, channel: Channel, by: Any, broker: Broker | None,
    customer: Customer | None, t: dt.datetime, now: dt.datetime, verdict: rules.Verdict,
    params: rules.Params, named_consultant: Any,
) -> Report:  # fmt: skip
    """Insert the judged report; the partial unique constraint is the last line of defence."""
    # A back-filled winner whose protection has already run out holds nothing any more.
    until = verdict.protect_visit_until
    live = verdict.protecting and until is not None and now <= until
    report = Report(
        organisation_id=project.organisation_id, project=project, channel=channel, broker=broker,
        reporter=by, customer=customer, phone=claim.pattern, phone_prefix=claim.prefix,
        phone_suffix=claim.tail, is_masked=claim.masked, named_consultant=named_consultant,
        reported_at=t, judged_at=now, result_code=verdict.code, reason=verdict.reason,
        status=_status_of(verdict), protecting=live, mode=params.mode,
        protect_visit_until=verdict.protect_visit_until if verdict.ok else None,
        protect_deal_until=verdict.protect_deal_until if verdict.ok else None,
        intercept_until=verdict.intercept_until if verdict.ok else None,
    )  # fmt: skip
    if not live:  # only a protecting row can meet the partial unique constraint
        report.save(force_insert=True)
        return report
    try:
        with transaction.atomic():
            report.save(force_insert=True)
    except IntegrityError:
        # Another winner slipped in despite the lock (or a later report holds protection
        # and this one is back-filled): the claim is refused, never a 500.
        report.pk = None
        report.protecting = False
        if t >= now - dt.timedelta(minutes=5):
            report.result_code = ResultCode.REPORTED_BY_OTHER
            report.reason = rules.source_label(ResultCode.REPORTED_BY_OTHER)
            report.status = Report.Status.INVALID
            report.protect_visit_until = report.protect_deal_until = None
            report.intercept_until = None
        report.save(force_insert=True)
    return report


def _status_of(verdict: rules.Verdict) -> str:
    if not verdict.ok:
        return Report.Status.INVALID
    return Report.Status.DISPUTED if verdict.dispute_with else Report.Status.VALID


def _after_report(
    report: Report, verdict: rules.Verdict, *, by: Any, named_consultant: Any,
    opp: Opportunity | None, rule_set: RuleSet,
) -> None:  # fmt: skip
    audit.record(
        actor=by,
        action="lead_report.file",
        target=report,
        changes=audit.snapshot(report, ("project", "channel", "phone", "reported_at",
                                        "result_code", "reason", "status")),
    )  # fmt: skip
    if report.result_code == ResultCode.OK and report.customer_id:
        _attribute(report, opp, named_consultant=named_consultant, rule_set=rule_set)
    if verdict.dispute_with:
        from mediadesk.leads import arbitration

        rival = Report.objects.get(pk=verdict.dispute_with[0])
        arbitration.open_dispute(kind=Dispute.Kind.MASKED, report_a=rival, report_b=report)
    # Inside the transaction: the row is rolled back with the report, and no re-read is needed.
    notices.notify(
        [report.reporter],
        kind="leads.report_result",
        text=lambda: (
            _("报备结果：%(result)s") % {"result": report.get_result_code_display()},
            f"{report.project} · {report.phone[:3]}****{report.phone[-4:]} · {report.reason}",
        ),
        url=f"/leads/attribution/reports/{report.pk}/",
    )


ATTRIBUTION_FIELDS = ("channel", "attributed_report", "in_pool", "consultant")


def _attribute(
    report: Report, opp: Opportunity | None, *, named_consultant: Any, rule_set: RuleSet
) -> Opportunity:
    """A 报备成功 full-number report becomes (or re-claims) the customer's opportunity;
    `opp` is the one already read while judging (None: the customer has none here yet)."""
    assert report.customer is not None
    if opp is None:
        return _new_report_opportunity(report, named_consultant, rule_set)
    if opp.source_protected_until and report.reported_at <= opp.source_protected_until:
        return opp
    before = audit.snapshot(opp, ATTRIBUTION_FIELDS)
    opp.channel, opp.attributed_report = report.channel, report
    woken = opp.in_pool
    if opp.in_pool:
        opp.in_pool, opp.pooled_at, opp.pool_reason = False, None, ""
        if opp.stage in rules.NEGATIVE_STAGES:
            opp.stage, opp.stage_reason = Stage.NEW, ""
    if named_consultant is not None and opp.consultant_id is None:
        opp.consultant = named_consultant
    opp.save()
    changes = audit.diff(before, audit.snapshot(opp, ATTRIBUTION_FIELDS))
    if changes:
        audit.record(actor=report.reporter, action="lead_report.file", target=opp, changes=changes)
    if woken and opp.consultant_id is None:
        allocate_new(opp)
    return opp


def _new_report_opportunity(
    report: Report, named_consultant: Any, rule_set: RuleSet
) -> Opportunity:
    """The customer's first opportunity in the project, created already attributed."""
    assert report.customer is not None
    project = report.project
    opp = Opportunity(
        organisation_id=project.organisation_id, company_id=project.company_id, project=project,
        customer=report.customer, source=Source.CHANNEL_REPORT, channel=report.channel,
        attributed_report=report, consultant=named_consultant,
    )  # fmt: skip
    try:
        with transaction.atomic():
            opp.save(force_insert=True)
    except IntegrityError:  # a capture of the same customer won the race: attribute that one
        found = Opportunity.objects.get(project=project, customer=report.customer)
        found.project, found.customer = project, report.customer
        return _attribute(report, found, named_consultant=named_consultant, rule_set=rule_set)
    blank = audit.snapshot(Opportunity(), ATTRIBUTION_FIELDS)
    audit.record(actor=report.reporter, action="lead_report.file", target=opp,
                 changes=audit.diff(blank, audit.snapshot(opp, ATTRIBUTION_FIELDS)))  # fmt: skip
    if named_consultant is None:
        allocate_new(opp, held=rule_set)
    return opp


def allocate_new(opp: Opportunity, *, held: RuleSet | None = None) -> None:
    """Allocate an unowned opportunity that a report or visit created (or woke up) by the
    project's allocation rules, exactly as a captured lead is (the system assigns). `held`:
    the rule set, when this transaction created the row (no re-read, no re-lock)."""
    from mediadesk.leads import services  # services imports this module

    services.allocate(opp, held=held)


def opportunity_of(project: Project, customer: Customer, source: str) -> tuple[Opportunity, bool]:
    defaults = {
        "organisation_id": project.organisation_id,
        "company_id": project.company_id,
        "source": source,
    }
    try:
        with transaction.atomic():
            return Opportunity.objects.get_or_create(
                project=project, customer=customer, defaults=defaults
            )
    except IntegrityError:
        return Opportunity.objects.get(project=project, customer=customer), False


def change_report(report: Report, change: rules.ReportChange, *, by: Any) -> None:
    """Apply a judged change to a stored report (status, code, first visit, deadlines)."""
    before = audit.snapshot(report, REPORT_FIELDS)
    if change.status:
        report.status = change.status
    if change.code is not None:
        report.result_code, report.reason = change.code, change.reason
    if change.closed_at is not None:
        report.closed_at, report.protecting = change.closed_at, False
    if change.first_visit_at is not None:
        report.first_visit_at = change.first_visit_at
    if change.protect_deal_until is not None:
        report.protect_deal_until = change.protect_deal_until
        report.refreshed_at = timezone.now()
    report.save()
    changes = audit.diff(before, audit.snapshot(report, REPORT_FIELDS))
    if changes:
        audit.record(actor=by, action="lead_report.judge", target=report, changes=changes)


# --- visits and trips ---------------------------------------------------------------------------


def record_visit(
    *,
    project: Project,
    phone: str | None = None,
    customer: Customer | None = None,
    by: Any,
    channel: Channel | None = None,
    visited_at: dt.datetime | None = None,
    trip: ViewingTrip | None = None,
) -> Visit:
    """Record a visit (到访) on site and confirm it against the open reports, as of its time."""
    if not in_project(by, Perm.LEADS_VISIT, project):
        raise PermissionDenied(_("没有该项目的到访登记权限"))
    if customer is not None:
        phone = customer.phone
    claim = _parse(phone or "")
    if claim.masked:
        raise ValidationError({"phone": _("到访确客需要完整手机号")})
    if channel is not None and channel.organisation_id != project.organisation_id:
        raise ValidationError({"channel": _("渠道不存在")})
    now = timezone.now()
    t = visited_at or now
    if t > now + dt.timedelta(minutes=5):
        raise ValidationError({"visited_at": _("到访时间不能晚于当前时间")})
    backfill = visited_at is not None and abs(now - visited_at) > dt.timedelta(days=1)
    if backfill and not in_project(by, Perm.LEADS_IMPORT, project):
        raise PermissionDenied(_("只有具备导入权限的用户可以补录历史到访"))
    customer = customer or customer_for_phone(project.organisation_id, claim.pattern)[0]
    with transaction.atomic():
        lock_number(project, claim)
        return _judge_visit(
            project, customer, claim, by, channel, visited_at or timezone.now(), trip
        )


def _judge_visit(
    project: Project, customer: Customer, claim: rules.Claim, by: Any,
    channel: Channel | None, t: dt.datetime, trip: ViewingTrip | None,
) -> Visit:  # fmt: skip
    rule_set = rules_for(project)
    params = params_for(rule_set, channel)
    reports = {r.pk: r for r in _matching_reports(project, claim, t)}
    verdict = rules.judge_visit(
        params, claim.pattern, t, channel.pk if channel else None,
        tuple(prior_of(r) for r in reports.values()),
    )  # fmt: skip
    for change in verdict.changes:
        change_report(reports[change.report_id], change, by=by)
    earlier = Visit.objects.filter(project=project, customer=customer, visited_at__lt=t).exists()
    visit = Visit.objects.create(
        organisation_id=project.organisation_id, project=project, customer=customer, trip=trip,
        channel=channel, visited_at=t, recorded_by=by, attributed_report_id=verdict.report_id,
        result_code=verdict.code, reason=verdict.reason, is_first=not earlier,
        confirmed_at=timezone.now() if rule_set.visit_auto_confirm else None,
        confirmed_by=by if rule_set.visit_auto_confirm else None,
    )  # fmt: skip
    audit.record(
        actor=by, action="lead_visit.record", target=visit,
        changes=audit.snapshot(visit, ("project", "channel", "visited_at", "attributed_report",
                                       "result_code", "reason")),
    )  # fmt: skip
    _link_masked(reports.values(), customer)
    _visit_opportunity(visit, reports.get(verdict.report_id or 0), by)
    _visit_disputes(verdict, reports, by)
    return visit


def _link_masked(reports: Iterable[Report], customer: Customer) -> None:
    """A visit with the full number tells whose masked reports it was."""
    for report in reports:
        if report.is_masked and report.customer_id is None:
            report.customer = customer
            report.save(update_fields=["customer"])


def _visit_opportunity(visit: Visit, report: Report | None, by: Any) -> None:
    source = Source.CHANNEL_REPORT if report else Source.WALK_IN
    opp, created = opportunity_of(visit.project, visit.customer, source)
    fields = ("channel", "attributed_report", "stage", "last_visit_at")
    before = audit.snapshot(opp, fields)
    if opp.last_visit_at is None or opp.last_visit_at < visit.visited_at:
        opp.last_visit_at = visit.visited_at
    if opp.stage in (Stage.NEW, Stage.CONTACTED):
        opp.stage = Stage.VISITED
    protected = opp.source_protected_until and visit.visited_at <= opp.source_protected_until
    if report is not None and not protected:
        opp.channel_id, opp.attributed_report = report.channel_id, report
    opp.save()
    changes = audit.diff(before, audit.snapshot(opp, fields))
    if changes:
        audit.record(actor=by, action="lead_visit.record", target=opp, changes=changes)
    if created and opp.consultant_id is None:
        allocate_new(opp)
    if report is not None:
        _consultant_claim(opp, report)


def _consultant_claim(opp: Opportunity, report: Report) -> None:
    """争议: the consultant's own contact (a follow-up) predates the channel's report."""
    earlier = FollowUp.objects.filter(
        opportunity=opp, at__lt=report.reported_at, by_id=opp.consultant_id
    )
    if opp.consultant_id and earlier.exists():
        from mediadesk.leads import arbitration

        arbitration.open_dispute(
            kind=Dispute.Kind.CONSULTANT, report_a=report, consultant_b=opp.consultant
        )


def _visit_disputes(verdict: rules.VisitVerdict, reports: dict[int, Report], by: Any) -> None:
    if not verdict.dispute:
        return
    from mediadesk.leads import arbitration

    first = reports[verdict.dispute_ids[0]]
    second = reports[verdict.dispute_ids[1]] if len(verdict.dispute_ids) > 1 else None
    arbitration.open_dispute(kind=verdict.dispute, report_a=first, report_b=second, opened_by=None)


@transaction.atomic
def confirm_visit(visit: Visit, *, by: Any) -> Visit:
    """确客: a manager confirms a recorded visit (when the project does not auto-confirm)."""
    if not in_project(by, Perm.LEADS_VISIT, visit.project):
        raise PermissionDenied(_("没有该项目的确客权限"))
    locked = Visit.objects.select_for_update().get(pk=visit.pk)
    if locked.confirmed_at is not None:
        raise Conflict(_("该到访已确客"))
    locked.confirmed_at, locked.confirmed_by = timezone.now(), by
    locked.save(update_fields=["confirmed_at", "confirmed_by"])
    audit.record(actor=by, action="lead_visit.confirm", target=locked)
    return locked


def record_trip(
    *,
    by: Any,
    channel: Channel,
    broker: Broker | None = None,
    trip_at: dt.datetime,
    pairs: list[tuple[Project, str]],
    note: str = "",
) -> ViewingTrip:
    """一带多看: one trip by one channel; each (project, customer) pair is judged on its own."""
    if not pairs:
        raise ValidationError({"pairs": _("请至少添加一组（项目，客户手机号）")})
    for index, (project, phone) in enumerate(pairs, start=1):
        if not in_project(by, Perm.LEADS_VISIT, project):
            raise PermissionDenied(_("第 %(n)s 组：没有该项目的到访登记权限") % {"n": index})
        claim = _parse(phone, f"pairs.{index}")
        if claim.masked:
            raise ValidationError({f"pairs.{index}": _("带看需要完整手机号")})
    if len({(p.pk, rules.parse_phone(n).pattern) for p, n in pairs}) != len(pairs):
        raise ValidationError({"pairs": _("同一项目同一客户重复")})
    with transaction.atomic():
        trip = ViewingTrip.objects.create(
            organisation_id=channel.organisation_id, channel=channel, broker=broker,
            trip_at=trip_at, note=note[:200], created_by=by,
        )  # fmt: skip
        audit.record(actor=by, action="viewing_trip.create", target=trip,
                     changes={"pairs": len(pairs), "channel": str(channel)})  # fmt: skip
        for project, phone in pairs:
            record_visit(
                project=project, phone=phone, by=by, channel=channel, visited_at=trip_at, trip=trip
            )
    return trip


# --- deals --------------------------------------------------------------------------------------

STAGE_DATES = {"pledged": "pledged_at", "subscribed": "subscribed_at", "signed": "signed_at"}
MILESTONES = {"paid_30": "paid_30_at", "loan": "loan_at", "handover": "handover_at"}
DEAL_FIELDS = ("stage", "unit_label", "amount_fen", "report", "channel", "pledged_at",
               "subscribed_at", "signed_at", "paid_30_at", "loan_at", "handover_at",
               "cancelled_at")  # fmt: skip


DEAL_PERMS = (Perm.LEADS_ASSIGN, Perm.COMMISSIONS_MANAGE)


def can_record_deal(user: Any, opp: Opportunity) -> bool:
    """案场/销售经理 (leads.assign) or commission managers (commissions.manage) in scope.

    Not the consultant: the amount and a 退房 decide their own commission, so deals are
    entered by someone else (separation of duties, as 案场 sales admins do from contracts)."""
    return any(scopes.allows(user, perm, opp) for perm in DEAL_PERMS)


def _require_deal(by: Any, opp: Opportunity) -> None:
    if not can_record_deal(by, opp):
        raise PermissionDenied(_("没有登记该客户成交的权限（需案场经理或佣金管理权限）"))


def record_deal(
    *,
    opportunity: Opportunity,
    by: Any,
    stage: str,
    unit_label: str,
    amount_fen: int,
    at: dt.datetime,
    co_handler: Any = None,
) -> Deal:
    """Record a deal (成交) at a stage; at the deal node it ends the report's protection."""
    _require_deal(by, opportunity)
    if stage not in STAGE_DATES:
        raise ValidationError({"stage": _("成交阶段应为认筹、认购或签约")})
    if not unit_label.strip():
        raise ValidationError({"unit_label": _("请填写房号")})
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationError({"amount_fen": _("成交金额应为正整数（分）")})
    if opportunity.consultant_id is None:
        raise ValidationError({"consultant": _("请先为客户分配置业顾问")})
    if co_handler is not None and (
        co_handler.organisation_id != opportunity.organisation_id
        or not co_handler.is_active
        or co_handler.pk == opportunity.consultant_id
    ):
        raise ValidationError(
            {"co_handler": _("合作人（主管带单）应为本组织在职人员，且不是该客户的置业顾问")}
        )
    with transaction.atomic():
        opp = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
        if opp.consultant is None:
            raise Conflict(_("客户已无置业顾问，请重新分配后登记成交"))
        deal = Deal.objects.create(
            organisation_id=opp.organisation_id, company_id=opp.company_id, project_id=opp.project_id,
            opportunity=opp, customer_id=opp.customer_id, report=opp.attributed_report,
            channel_id=opp.channel_id, consultant=opp.consultant, co_handler=co_handler,
            unit_label=unit_label.strip()[:40], amount_fen=amount_fen, stage=stage,
            **{STAGE_DATES[stage]: at},
        )  # fmt: skip
        _deal_effects(deal, opp, stage, at, by)
        audit.record(actor=by, action="deal.create", target=deal,
                     changes=audit.snapshot(deal, DEAL_FIELDS))  # fmt: skip
    return deal


def _deal_effects(deal: Deal, opp: Opportunity, stage: str, at: dt.datetime, by: Any) -> None:
    """Opportunity stage; at the deal node: 成交逾期 or the end of the report's protection."""
    opp.stage = stage
    node = rules_for(deal.project).deal_node
    if rules.reaches_node(stage, node):
        opp.is_owner = stage in ("subscribed", "signed")
        report = deal.report
        if report is not None and report.status in rules.OPEN_STATUSES:
            _close_at_deal(deal, report, at, by)
    opp.save(update_fields=["stage", "is_owner", "updated_at"])


def _close_at_deal(deal: Deal, report: Report, at: dt.datetime, by: Any) -> None:
    prior = prior_of(report)
    if rules.deal_overdue(prior, at):
        code = ResultCode.DEAL_OVERDUE
        change = rules.ReportChange(
            report.pk,
            Report.Status.DEAL_OVERDUE,
            code,
            rules.source_label(code),
            closed_at=prior.until(at),
        )
        deal.report, deal.channel = None, None  # the channel earns nothing on a late deal
        deal.save(update_fields=["report", "channel"])
    else:
        change = rules.ReportChange(report.pk, Report.Status.DEAL, closed_at=at)
    change_report(report, change, by=by)


def advance_deal(
    deal: Deal, *, by: Any, stage: str | None = None, milestone: str | None = None, at: dt.datetime
) -> Deal:
    """Move a deal to a later stage (认筹→认购→签约) or stamp a payout milestone."""
    _require_deal(by, deal.opportunity)
    if (stage is None) == (milestone is None):
        raise ValidationError({"stage": _("请指定阶段或节点之一")})
    with transaction.atomic():
        locked = (
            Deal.objects.select_for_update(of=("self",)).select_related("report").get(pk=deal.pk)
        )
        if locked.stage == Deal.Stage.CANCELLED:
            raise Conflict(_("已退房的成交不能推进"))
        before = audit.snapshot(locked, DEAL_FIELDS)
        if milestone is not None:
            if milestone not in MILESTONES:
                raise ValidationError({"milestone": _("节点应为首付30%、合同备案+放款或交付")})
            setattr(locked, MILESTONES[milestone], at)
        else:
            _advance_stage(locked, str(stage), at, by)
        locked.save()
        audit.record(actor=by, action="deal.advance", target=locked,
                     changes=audit.diff(before, audit.snapshot(locked, DEAL_FIELDS)))  # fmt: skip
    return locked


def _advance_stage(deal: Deal, stage: str, at: dt.datetime, by: Any) -> None:
    if stage not in STAGE_DATES or rules.DEAL_ORDER[stage] <= rules.DEAL_ORDER[deal.stage]:
        raise ValidationError({"stage": _("只能推进到更后的阶段")})
    deal.stage = stage
    setattr(deal, STAGE_DATES[stage], at)
    opp = Opportunity.objects.select_for_update().get(pk=deal.opportunity_id)
    _deal_effects(deal, opp, stage, at, by)


def cancel_deal(deal: Deal, *, by: Any, at: dt.datetime) -> Deal:
    """退房: the deal is cancelled (commissions claw back from `cancelled_at`)."""
    _require_deal(by, deal.opportunity)
    with transaction.atomic():
        locked = Deal.objects.select_for_update().get(pk=deal.pk)
        if locked.stage == Deal.Stage.CANCELLED:
            raise Conflict(_("该成交已退房"))
        before = audit.snapshot(locked, DEAL_FIELDS)
        locked.stage, locked.cancelled_at = Deal.Stage.CANCELLED, at
        locked.save()
        opp = Opportunity.objects.select_for_update().get(pk=locked.opportunity_id)
        opp.stage, opp.is_owner = Stage.CANCELLED, False
        opp.save(update_fields=["stage", "is_owner", "updated_at"])
        audit.record(actor=by, action="deal.cancel", target=locked,
                     changes=audit.diff(before, audit.snapshot(locked, DEAL_FIELDS)))  # fmt: skip
    return locked
