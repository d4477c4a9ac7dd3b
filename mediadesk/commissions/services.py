"""Every write of the commissions app: schemes, incentives, live figures, settlement,
approval and adjustments. Each checks permission and state, runs in one transaction and
writes audit entries. An approved statement is never changed again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.commissions import rules, settlement
from mediadesk.commissions.models import (
    Basis,
    Incentive,
    IncentiveTier,
    Line,
    LiveSessionFigure,
    Scheme,
    SchemeTier,
    Statement,
)
from mediadesk.commissions.queries import projects_for
from mediadesk.core import audit, scopes
from mediadesk.core.errors import Conflict, PermissionDenied, ValidationError
from mediadesk.notifications import services as notifications
from mediadesk.orgs.models import Organisation, Project
from mediadesk.orgs.roles import Perm

audit.register_actions(
    {
        "commission_scheme.create": gettext_lazy("新建佣金方案"),
        "commission_scheme.update": gettext_lazy("修改佣金方案"),
        "commission_incentive.create": gettext_lazy("新建激励规则"),
        "commission_incentive.update": gettext_lazy("修改激励规则"),
        "live_figure.create": gettext_lazy("录入直播场次数据"),
        "live_figure.update": gettext_lazy("修改直播场次数据"),
        "commission.settle": gettext_lazy("生成/重算结算单"),
        "commission.approve": gettext_lazy("审批结算单（锁定）"),
        "commission.adjust": gettext_lazy("手工调整佣金"),
    }
)
notifications.register_kinds({"commission.approved": gettext_lazy("佣金结算单已审批")})

ONLINE_FLOOR_MESSAGE = gettext_lazy("线上渠道佣金须独立且不低于基础渠道佣金")
SCHEME_FIELDS = (
    "name",
    "project",
    "payee",
    "channel_kind",
    "channel",
    "basis",
    "tier_by",
    "tier_mode",
    "tier_period",
    "tier_pool",
    "supervisor_counts",
    "supervisor_ratio",
    "stage_paid_30",
    "stage_loan",
    "stage_handover",
    "valid_from",
    "valid_until",
    "is_active",
    "note",
)
MONEY_FIELDS = (
    "payee",
    "channel_kind",
    "channel",
    "basis",
    "tier_by",
    "tier_mode",
    "tier_period",
    "tier_pool",
    "supervisor_counts",
    "supervisor_ratio",
    "stage_paid_30",
    "stage_loan",
    "stage_handover",
    "valid_from",
)


def _require_manage_in(by: Any, obj: Any) -> None:
    if not scopes.allows(by, Perm.COMMISSIONS_MANAGE, obj):
        raise PermissionDenied(_("没有在该项目管理佣金的权限"))


def _check_project(project: Project | None, organisation: Organisation) -> None:
    if project is None or project.organisation_id != organisation.pk:
        raise ValidationError({"project": _("请选择本组织的项目")})


# --- schemes -------------------------------------------------------------------------------


def _tier_rows(scheme: Scheme, tiers: list[dict[str, Any]]) -> list[rules.Tier]:
    rows = [
        rules.Tier(
            int(t.get("threshold") or 0),
            Decimal(t.get("rate") or 0),
            int(t.get("per_unit_fen") or 0),
        )
        for t in tiers
    ]
    return sorted(rows, key=lambda t: t.threshold)


def _validate_scheme(scheme: Scheme, tiers: list[rules.Tier]) -> None:
    errors: dict[str, Any] = {}
    if not scheme.name.strip():
        errors["name"] = _("请填写方案名称")
    if (
        scheme.channel_id
        and scheme.channel
        and scheme.channel.organisation_id != scheme.organisation_id
    ):
        errors["channel"] = _("渠道不属于本组织")
    stages = scheme.stage_paid_30 + scheme.stage_loan + scheme.stage_handover
    if stages != 100 or min(scheme.stage_paid_30, scheme.stage_loan, scheme.stage_handover) < 0:
        errors["stage_paid_30"] = _("三个发放节点的比例之和须为 100%%（现为 %(n)s%%）") % {
            "n": stages
        }
    ratio = scheme.supervisor_ratio
    if ratio is not None and not (0 <= ratio <= 1):
        errors["supervisor_ratio"] = _("顾问分成比例应在 0 到 1 之间，如 0.7")
    if scheme.valid_until and scheme.valid_until < scheme.valid_from:
        errors["valid_until"] = _("截止日期不能早于生效日期")
    problems = rules.tier_problems(tiers, tier_by=scheme.tier_by, pay=scheme.basis)
    if problems:
        errors["tiers"] = "；".join(problems)
    if errors:
        raise ValidationError(errors)


def _overlapping(scheme: Scheme) -> Q:
    q = Q(project_id=scheme.project_id, payee=scheme.payee, is_active=True)
    q &= Q(valid_until__isnull=True) | Q(valid_until__gte=scheme.valid_from)
    if scheme.valid_until:
        q &= Q(valid_from__lte=scheme.valid_until)
    return q


def _check_overlap(scheme: Scheme) -> None:
    same = Scheme.objects.filter(
        _overlapping(scheme), Q(channel_kind=scheme.channel_kind, channel_id=scheme.channel_id)
    ).exclude(pk=scheme.pk)
    if scheme.is_active and (clash := same.first()):
        raise ValidationError(
            {
                "valid_from": _(
                    "与方案“%(name)s”的有效期重叠：同一项目、对象和渠道同时只能有一个方案"
                )
                % {"name": clash.name}
            }
        )


def _check_online_floor(scheme: Scheme, tiers: list[rules.Tier]) -> None:
    """线上独立且高于基础渠道佣金: an online scheme never pays less than the base one."""
    if not scheme.is_active or not (scheme.is_online or scheme.is_base):
        return
    others = Scheme.objects.filter(_overlapping(scheme), basis=scheme.basis).exclude(pk=scheme.pk)
    for other in others.select_related("channel").prefetch_related("tiers"):
        if scheme.is_online and other.is_base:
            online, base, base_scheme = scheme, other, other
            online_tiers, base_tiers = tiers, settlement.tier_table(other)
        elif scheme.is_base and other.is_online:
            online, base, base_scheme = other, scheme, scheme
            online_tiers, base_tiers = settlement.tier_table(other), tiers
        else:
            continue
        if not rules.dominates(
            online_tiers,
            base_tiers,
            same_tier_basis=online.tier_by == base.tier_by,
            pay=scheme.basis,
        ):
            raise ValidationError(
                {
                    "tiers": _("%(message)s（基础渠道方案“%(name)s”）")
                    % {"message": ONLINE_FLOOR_MESSAGE, "name": base_scheme.name}
                }
            )


def _locked_use(scheme: Scheme) -> bool:
    return (
        scheme.pk is not None
        and scheme.lines.filter(statement__status=Statement.Status.APPROVED).exists()
    )


def _check_cut_off(scheme: Scheme) -> None:
    """A scheme already paid out keeps covering the deals it paid: no cut-off before them."""
    if scheme.valid_until is None or scheme.pk is None:
        return
    paid = scheme.lines.filter(deal__isnull=False).select_related("deal")
    days = [
        settlement.local_date(moment)
        for line in paid
        if line.deal and (moment := settlement.deal_moment(line.deal))
    ]
    if days and max(days) > scheme.valid_until:
        raise ValidationError(
            {
                "valid_until": _("该方案已为 %(day)s 的成交计佣，截止日期不能早于此日")
                % {"day": f"{max(days):%Y-%m-%d}"}
            }
        )


def _save_tiers(scheme: Scheme, tiers: list[rules.Tier]) -> None:
    scheme.tiers.all().delete()
    SchemeTier.objects.bulk_create(
        SchemeTier(scheme=scheme, threshold=t.threshold, rate=t.rate, per_unit_fen=t.per_unit_fen)
        for t in tiers
    )


def _tiers_text(tiers: list[rules.Tier], basis: str) -> str:
    if basis == Basis.PER_UNIT:
        return "；".join(
            _("≥%(n)s ¥%(amount)s/套") % {"n": t.threshold, "amount": f"{t.per_unit_fen / 100:.2f}"}
            for t in tiers
        )
    return "；".join(f"≥{t.threshold} {Decimal(t.rate).normalize():f}%" for t in tiers)


@transaction.atomic
def save_scheme(
    scheme: Scheme | None,
    *,
    by: Any,
    organisation: Organisation,
    values: dict[str, Any],
    tiers: list[dict[str, Any]],
) -> Scheme:
    """Create or change a scheme and its tier table (commissions.manage in its project)."""
    values = {k: v for k, v in values.items() if k in SCHEME_FIELDS}
    _check_project(values.get("project") or (scheme.project if scheme else None), organisation)
    if scheme is None:
        scheme = Scheme(organisation=organisation)
        before: dict[str, Any] = {}
        old_tiers = ""
    else:
        scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
        _require_manage_in(by, scheme)
        before = audit.snapshot(scheme, SCHEME_FIELDS)
        old_tiers = _tiers_text(settlement.tier_table(scheme), scheme.basis)
    for key, value in values.items():
        setattr(scheme, key, value)
    scheme.company_id = scheme.project.company_id
    if scheme.channel_id and scheme.channel:
        scheme.channel_kind = scheme.channel.kind  # a channel's own scheme has its kind
    _require_manage_in(by, scheme)
    rows = _tier_rows(scheme, tiers)
    _validate_scheme(scheme, rows)
    _check_overlap(scheme)
    _check_online_floor(scheme, rows)
    new_tiers = _tiers_text(rows, scheme.basis)
    changed_money = any(before.get(f) != audit.snapshot(scheme, [f])[f] for f in MONEY_FIELDS)
    if before and (changed_money or new_tiers != old_tiers) and _locked_use(scheme):
        raise ValidationError(
            {
                "tiers": _(
                    "该方案已用于已审批的结算单，计佣条件不能再改：请为本方案设置截止日期，再新建方案"
                )
            }
        )
    _check_cut_off(scheme)
    scheme.save()
    _save_tiers(scheme, rows)
    changes = audit.diff(before, audit.snapshot(scheme, SCHEME_FIELDS))
    if new_tiers != old_tiers:
        changes["tiers"] = [old_tiers or None, new_tiers]
    action = "commission_scheme.update" if before else "commission_scheme.create"
    if changes:
        audit.record(actor=by, action=action, target=scheme, changes=changes)
    return scheme


# --- incentives and live figures ------------------------------------------------------------

INCENTIVE_FIELDS = (
    "name",
    "project",
    "kind",
    "target_units",
    "channel_kind",
    "bonus_fen",
    "min_viewers",
    "viewers_bonus_fen",
    "min_leads",
    "leads_bonus_fen",
    "valid_from",
    "valid_until",
    "is_active",
)


def _validate_incentive(incentive: Incentive, members: list[Any], tiers: list[rules.Tier]) -> None:
    errors: dict[str, str] = {}
    if not incentive.name.strip():
        errors["name"] = _("请填写名称")
    if not members:
        errors["members"] = _("请选择适用人员")
    elif any(m.organisation_id != incentive.organisation_id for m in members):
        errors["members"] = _("适用人员必须是本组织的用户")
    kind = incentive.kind
    if kind == Incentive.Kind.DEAL_TIERS:
        if not tiers:
            errors["tiers"] = _("请至少填写一档：自第几套起、每套奖金")
        elif tiers[0].threshold <= incentive.target_units:
            errors["tiers"] = _("第一档须从目标之后的套数开始（如目标 3 套，则自第 4 套起）")
    if kind == Incentive.Kind.TEAM_TARGET and (
        not incentive.target_units or not incentive.bonus_fen
    ):
        errors["target_units"] = _("团队目标奖须填写目标套数和达标奖金")
    if (
        kind == Incentive.Kind.LIVE_SESSION
        and incentive.min_viewers is None
        and incentive.min_leads is None
    ):
        errors["min_viewers"] = _("直播场次奖须填写观看人数或留资数门槛")
    if incentive.valid_until and incentive.valid_until < incentive.valid_from:
        errors["valid_until"] = _("截止日期不能早于生效日期")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_incentive(
    incentive: Incentive | None,
    *,
    by: Any,
    organisation: Organisation,
    values: dict[str, Any],
    members: list[Any],
    tiers: list[dict[str, Any]],
) -> Incentive:
    """Create or change an incentive rule with its members and tiers (commissions.manage)."""
    values = {k: v for k, v in values.items() if k in INCENTIVE_FIELDS}
    _check_project(
        values.get("project") or (incentive.project if incentive else None), organisation
    )
    before: dict[str, Any] = {}
    if incentive is None:
        incentive = Incentive(organisation=organisation)
    else:
        incentive = Incentive.objects.select_for_update().get(pk=incentive.pk)
        _require_manage_in(by, incentive)
        before = audit.snapshot(incentive, INCENTIVE_FIELDS)
        before["members"] = sorted(m.label for m in incentive.members.all())
    for key, value in values.items():
        setattr(incentive, key, value)
    incentive.company_id = incentive.project.company_id
    _require_manage_in(by, incentive)
    rows = sorted(
        (rules.Tier(int(t["threshold"]), per_unit_fen=int(t["per_unit_fen"])) for t in tiers),
        key=lambda t: t.threshold,
    )
    _validate_incentive(incentive, members, rows)
    incentive.save()
    incentive.members.set(members)
    incentive.tiers.all().delete()
    IncentiveTier.objects.bulk_create(
        IncentiveTier(incentive=incentive, threshold=t.threshold, per_unit_fen=t.per_unit_fen)
        for t in rows
    )
    after = audit.snapshot(incentive, INCENTIVE_FIELDS)
    after["members"] = sorted(m.label for m in members)
    changes = audit.diff(before, after)
    action = "commission_incentive.update" if before else "commission_incentive.create"
    if changes:
        audit.record(actor=by, action=action, target=incentive, changes=changes)
    return incentive


FIGURE_FIELDS = ("project", "date", "anchor", "viewers", "leads", "note")


@transaction.atomic
def save_live_figure(
    figure: LiveSessionFigure | None,
    *,
    by: Any,
    organisation: Organisation,
    values: dict[str, Any],
) -> LiveSessionFigure:
    """Enter or correct a live session's viewers and leads by hand (commissions.manage)."""
    values = {k: v for k, v in values.items() if k in FIGURE_FIELDS}
    _check_project(values.get("project") or (figure.project if figure else None), organisation)
    before: dict[str, Any] = {}
    if figure is None:
        figure = LiveSessionFigure(organisation=organisation, entered_by=by)
    else:
        figure = LiveSessionFigure.objects.select_for_update().get(pk=figure.pk)
        _require_manage_in(by, figure)
        before = audit.snapshot(figure, FIGURE_FIELDS)
    for key, value in values.items():
        setattr(figure, key, value)
    figure.company_id = figure.project.company_id
    _require_manage_in(by, figure)
    if figure.anchor.organisation_id != organisation.pk:
        raise ValidationError({"anchor": _("主播必须是本组织的用户")})
    if figure.date > timezone.localdate():
        raise ValidationError({"date": _("直播日期不能晚于今天")})
    figure.save()
    action = "live_figure.update" if before else "live_figure.create"
    changes = audit.diff(before, audit.snapshot(figure, FIGURE_FIELDS))
    if changes:
        audit.record(actor=by, action=action, target=figure, changes=changes)
    return figure


# --- settlement ------------------------------------------------------------------------------


@dataclass
class SettleResult:
    """What one settlement run did, for the message shown to the user."""

    months: list[dt.date]
    statements: int = 0
    changed: int = 0
    skipped_locked: int = 0


def _check_month(month: dt.date, project_ids: set[int]) -> None:
    if month > rules.month_start(timezone.localdate()):
        raise ValidationError({"month": _("不能结算未来的月份")})
    later = Statement.objects.filter(
        project_id__in=project_ids, month__gt=month, status=Statement.Status.APPROVED
    ).first()
    if later is not None:
        raise ValidationError(
            {
                "month": _("%(later)s 已有审批锁定的结算单，不能再重算更早的 %(month)s")
                % {"later": f"{later.month:%Y-%m}", "month": f"{month:%Y-%m}"}
            }
        )


@transaction.atomic
def settle_month(*, organisation: Organisation, month: dt.date, by: Any) -> SettleResult:
    """Build or rebuild the draft statements of `month` (and later open months) for the
    projects where `by` holds commissions.manage; approved statements are left alone."""
    month = rules.month_start(month)
    projects = projects_for(by, Perm.COMMISSIONS_MANAGE).filter(organisation=organisation)
    project_ids = set(projects.values_list("pk", flat=True))
    if not project_ids:
        raise PermissionDenied(_("没有在本组织管理佣金的权限"))
    Organisation.objects.select_for_update().get(pk=organisation.pk)  # one settlement at a time
    _check_month(month, project_ids)
    result = SettleResult(months=[])
    current = rules.month_start(timezone.localdate())
    # Later open months read this month's lines as "already paid": rebuild them too.
    while month <= current:
        if not result.months or _has_drafts(project_ids, month):
            _settle_one(organisation, project_ids, month, by, result)
            result.months.append(month)
        month = rules.next_month(month)
    return result


def _has_drafts(project_ids: set[int], month: dt.date) -> bool:
    return Statement.objects.filter(
        project_id__in=project_ids, month=month, status=Statement.Status.DRAFT
    ).exists()


def _settle_one(
    organisation: Organisation,
    project_ids: set[int],
    month: dt.date,
    by: Any,
    result: SettleResult,
) -> None:
    planned = settlement.statements_of(settlement.plan_month(project_ids, month))
    existing = {
        (s.project_id, settlement.recipient_of(s)): s
        for s in Statement.objects.select_for_update().filter(
            project_id__in=project_ids, month=month
        )
    }
    projects = {p.pk: p for p in Project.objects.filter(pk__in=project_ids)}
    for key in set(planned) | set(existing):
        statement = existing.get(key)
        if statement is not None and statement.is_locked:
            result.skipped_locked += 1
            continue
        project_id, recipient = key
        lines = planned.get(key, [])
        if statement is None:
            statement = Statement(
                organisation=organisation,
                company_id=projects[project_id].company_id,
                project_id=project_id,
                month=month,
                person_id=recipient.person_id,
                channel_id=recipient.channel_id,
            )
        if _rebuild(statement, lines, by):
            result.changed += 1
        result.statements += 1


def _current_content(statement: Statement) -> list[tuple[Any, ...]]:
    if statement.pk is None:
        return []
    computed = statement.lines.exclude(kind=Line.Kind.MANUAL)
    return [
        settlement.Planned(
            settlement.Key(
                statement.project_id,
                settlement.recipient_of(statement),
                line.deal_id,
                line.scheme_id,
                line.stage,
                line.incentive_id,
                line.period,
                line.live_figure_id,
            ),
            line.kind,
            line.amount_fen,
            line.tier_label,
            line.rate,
            line.share,
            line.deal_commission_fen,
            line.note,
        ).content()
        for line in computed
    ]


def _rebuild(statement: Statement, planned: list[settlement.Planned], by: Any) -> bool:
    """Replace a draft's computed lines when they differ; True if anything changed."""
    wanted = [p.content() for p in planned]
    if sorted(map(repr, _current_content(statement))) == sorted(map(repr, wanted)):
        return False
    created = statement.pk is None
    if created and not planned:
        return False
    before_total = statement.total_fen
    statement.settled_at = timezone.now()
    statement.save()
    statement.lines.exclude(kind=Line.Kind.MANUAL).delete()
    Line.objects.bulk_create(_line(statement, p) for p in planned)
    _retotal(statement)
    if not statement.lines.exists():
        audit.record(
            actor=by,
            action="commission.settle",
            target=statement,
            changes={"total_fen": [before_total, 0], "count": [None, 0]},
        )
        statement.delete()
        return True
    audit.record(
        actor=by,
        action="commission.settle",
        target=statement,
        changes={
            "total_fen": [None if created else before_total, statement.total_fen],
            "count": len(planned),
        },
    )
    return True


def _line(statement: Statement, p: settlement.Planned) -> Line:
    k = p.key
    return Line(
        statement=statement,
        kind=p.kind,
        deal_id=k.deal_id,
        scheme_id=k.scheme_id,
        stage=k.stage,
        incentive_id=k.incentive_id,
        period=k.period,
        live_figure_id=k.live_figure_id,
        tier_label=p.tier_label,
        rate=p.rate,
        share=p.share,
        deal_commission_fen=p.deal_commission_fen,
        amount_fen=p.amount_fen,
        note=p.note,
    )


def _retotal(statement: Statement) -> None:
    total = sum(statement.lines.values_list("amount_fen", flat=True))
    Statement.objects.filter(pk=statement.pk).update(total_fen=total)
    statement.total_fen = total


# --- approval and adjustments ----------------------------------------------------------------


@transaction.atomic
def approve_statement(statement: Statement, *, by: Any) -> Statement:
    """Approve (lock) a draft statement of a finished month (commissions.approve in scope)."""
    statement = (
        Statement.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=statement.pk)
    )
    if not scopes.allows(by, Perm.COMMISSIONS_APPROVE, statement):
        raise PermissionDenied(_("没有审批该结算单的权限"))
    if statement.is_locked:
        raise Conflict(_("该结算单已审批锁定"))
    if statement.month >= rules.month_start(timezone.localdate()):
        raise ValidationError({"month": _("本月尚未结束，不能审批本月结算单")})
    earlier = Statement.objects.filter(
        _same_recipient(statement),
        month__lt=statement.month,
        status=Statement.Status.DRAFT,
    ).first()
    if earlier is not None:
        raise ValidationError(
            {"month": _("请先审批 %(month)s 的结算单") % {"month": f"{earlier.month:%Y-%m}"}}
        )
    statement.status = Statement.Status.APPROVED
    statement.approved_by = by
    statement.approved_at = timezone.now()
    statement.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit.record(
        actor=by,
        action="commission.approve",
        target=statement,
        changes={"status": ["待审批", "已审批（锁定）"], "total_fen": statement.total_fen},
    )
    if statement.person is not None:
        _notify_approved(statement)
    return statement


def _same_recipient(statement: Statement) -> Q:
    """Statements of the same project and recipient (a person or a channel)."""
    return Q(
        project_id=statement.project_id,
        person_id=statement.person_id,
        channel_id=statement.channel_id,
    )


def _notify_approved(statement: Statement) -> None:
    url = reverse("commissions:statement", args=[statement.pk])
    person = statement.person
    with translation.override(getattr(person, "language", None) or settings.LANGUAGE_CODE):
        title = _("%(month)s 佣金结算单已审批") % {"month": f"{statement.month:%Y-%m}"}
        body = _("%(project)s：合计 ¥%(total)s") % {
            "project": statement.project,
            "total": f"{statement.total_fen / 100:,.2f}",
        }  # in the recipient's language
    transaction.on_commit(
        lambda: notifications.notify(
            [person], kind="commission.approved", title=title, body=body, url=url
        )
    )


def _open_statement_after(statement: Statement, organisation: Organisation) -> Statement:
    """The recipient's first open statement of a later month in the same project (created
    as a draft of the next month when none exists)."""
    later = (
        Statement.objects.select_for_update()
        .filter(
            _same_recipient(statement),
            month__gt=statement.month,
            status=Statement.Status.DRAFT,
        )
        .order_by("month")
        .first()
    )
    if later is not None:
        return later
    month = rules.next_month(statement.month)
    while Statement.objects.filter(
        _same_recipient(statement),
        month=month,
    ).exists():
        month = rules.next_month(month)
    return Statement.objects.create(
        organisation=organisation,
        company_id=statement.company_id,
        project_id=statement.project_id,
        month=month,
        person_id=statement.person_id,
        channel_id=statement.channel_id,
    )


@transaction.atomic
def add_adjustment(statement: Statement, *, by: Any, amount_fen: int, reason: str) -> Line:
    """A manual adjustment with its reason (commissions.manage). On a locked statement it
    becomes a line of the recipient's next open statement instead."""
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    _require_manage_in(by, statement)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写调整原因")})
    if amount_fen == 0:
        raise ValidationError({"amount": _("调整金额不能为 0")})
    target, moved_from = statement, None
    if statement.is_locked:
        target = _open_statement_after(statement, statement.organisation)
        moved_from = statement
    line = Line.objects.create(
        statement=target,
        kind=Line.Kind.MANUAL,
        amount_fen=amount_fen,
        note=reason.strip()[:200],
        created_by=by,
        moved_from=moved_from,
    )
    before = target.total_fen
    _retotal(target)
    changes: dict[str, Any] = {
        "reason": line.note,
        "amount_fen": amount_fen,
        "total_fen": [before, target.total_fen],
    }
    if moved_from is not None:
        changes["moved_from"] = str(moved_from)
    audit.record(actor=by, action="commission.adjust", target=target, changes=changes)
    return line
