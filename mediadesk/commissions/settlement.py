"""What each recipient should have received by the end of a month, and what they already got.

A month's statement lines are the difference, per key, between the entitlement as of the
end of the month (stage dates, cancellations and tier volumes up to then) and what earlier
months' statements already hold. So a stage is paid in the month its date falls in, a 退房
claws back everything paid in the first month settled after it, and a tier change (a
cancellation lowering the period's volume, or a quarter's later deals raising it) becomes a
recalculation line — never an edit of an earlier statement.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, Sum

from mediadesk.commissions import rules
from mediadesk.commissions.models import (
    Incentive,
    Line,
    LiveSessionFigure,
    Payee,
    Scheme,
    Stage,
    Statement,
    TierPool,
)
from mediadesk.leads.models import Channel, Consultant, Deal, RuleSet, Team

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_SUPERVISOR_RATIO = Decimal("0.7")
STAGES = (
    (Stage.PAID_30, "paid_30_at", "stage_paid_30"),
    (Stage.LOAN, "loan_at", "stage_loan"),
    (Stage.HANDOVER, "handover_at", "stage_handover"),
)
DEAL_KINDS = (Line.Kind.STAGE, Line.Kind.CLAWBACK, Line.Kind.RECALC)


@dataclass(frozen=True)
class Recipient:
    """Who a line pays: a person, or an external channel."""

    person_id: int | None = None
    channel_id: int | None = None


@dataclass(frozen=True)
class Key:
    """What a line is about; entitlement and payments are compared per key."""

    project_id: int
    recipient: Recipient
    deal_id: int | None = None
    scheme_id: int | None = None
    stage: str = ""
    incentive_id: int | None = None
    period: dt.date | None = None
    live_figure_id: int | None = None


@dataclass
class Detail:
    """How an entitlement was reached, shown on the line."""

    tier_label: str = ""
    rate: Decimal | None = None
    share: Decimal | None = None
    deal_commission_fen: int | None = None
    note: str = ""
    stage_date: dt.date | None = None
    cancelled: bool = False


@dataclass
class Entitlements:
    amounts: dict[Key, int] = field(default_factory=dict)
    details: dict[Key, Detail] = field(default_factory=dict)

    def add(self, key: Key, amount: int, detail: Detail) -> None:
        self.amounts[key] = self.amounts.get(key, 0) + amount
        self.details[key] = detail


def month_end(month: dt.date) -> dt.datetime:
    """The first instant after `month`, Asia/Shanghai."""
    return dt.datetime.combine(rules.next_month(month), dt.time(), tzinfo=SHANGHAI)


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def deal_moment(deal: Deal) -> dt.datetime | None:
    """When a deal counts as made: 认购, else 签约 (认筹 alone earns nothing)."""
    return deal.subscribed_at or deal.signed_at


def _cancelled(deal: Deal, end: dt.datetime) -> bool:
    return deal.cancelled_at is not None and deal.cancelled_at < end


# --- schemes -----------------------------------------------------------------------------


def _covers(valid_from: dt.date, valid_until: dt.date | None, day: dt.date) -> bool:
    return valid_from <= day and (valid_until is None or day <= valid_until)


def _specificity(scheme: Scheme) -> int:
    return 2 if scheme.channel_id else (1 if scheme.channel_kind else 0)


# Channel kinds that are the consultants' own work: only a scheme naming them pays on them.
OWN_WORK = frozenset({Channel.Kind.CONSULTANT, Channel.Kind.NATURAL})
# In-house channels whose channel commission goes to the deal's consultant, not to a firm.
IN_HOUSE = frozenset({Channel.Kind.ONLINE, *OWN_WORK})


def scheme_for(schemes: Iterable[Scheme], deal: Deal, payee: str, day: dt.date) -> Scheme | None:
    """The scheme that pays `payee` on `deal`: a channel's own, else its kind's, else the base.

    A channel commission needs a channel; the base channel scheme skips own-work kinds."""
    kind = deal.channel.kind if deal.channel_id and deal.channel else ""
    if payee == Payee.CHANNEL and not kind:
        return None
    best: Scheme | None = None
    for s in schemes:
        if s.payee != payee or s.project_id != deal.project_id:
            continue
        if payee == Payee.CHANNEL and s.is_base and kind in OWN_WORK:
            continue
        if not _covers(s.valid_from, s.valid_until, day):
            continue
        if s.channel_id and s.channel_id != deal.channel_id:
            continue
        if not s.channel_id and s.channel_kind and s.channel_kind != kind:
            continue
        if best is None or _specificity(s) > _specificity(best):
            best = s
    return best


def tier_table(scheme: Scheme) -> list[rules.Tier]:
    return [
        rules.Tier(int(t.threshold), Decimal(t.rate), int(t.per_unit_fen))
        for t in scheme.tiers.all()
    ]


# --- who earns on a deal -------------------------------------------------------------------


@dataclass
class Teams:
    """Team membership of the consultants in the projects being settled."""

    seat_team: dict[tuple[int, int], int]  # (project, user) -> team
    supervisor_team: dict[tuple[int, int], int]  # (project, supervisor) -> team
    supervisor_of: dict[int, int]  # team -> supervisor

    @classmethod
    def load(cls, project_ids: set[int]) -> Teams:
        seats = Consultant.objects.filter(project_id__in=project_ids, team__isnull=False)
        teams = list(Team.objects.filter(project_id__in=project_ids))
        return cls(
            {(s.project_id, s.user_id): s.team_id for s in seats if s.team_id},
            {(t.project_id, t.supervisor_id): t.pk for t in teams},
            {t.pk: t.supervisor_id for t in teams},
        )

    def team_of(self, deal: Deal) -> int | None:
        key = (deal.project_id, deal.consultant_id)
        return self.seat_team.get(key) or self.supervisor_team.get(key)

    def supervisor_led(self, deal: Deal, team_id: int) -> bool:
        boss = self.supervisor_of.get(team_id)
        return boss is not None and boss in (deal.consultant_id, deal.co_handler_id)


def is_external(deal: Deal) -> bool:
    """An outside firm (agency, referrers, 电约 desk, key accounts) is paid as a channel."""
    return bool(deal.channel_id and deal.channel and deal.channel.kind not in IN_HOUSE)


def pool_of(scheme: Scheme, deal: Deal, teams: Teams) -> tuple[str, int]:
    """Whose volume a deal counts toward for `scheme`'s tiers."""
    if scheme.payee == Payee.CHANNEL and is_external(deal):
        return ("channel", deal.channel_id or 0)
    if scheme.tier_pool == TierPool.TEAM:
        team = teams.team_of(deal)
        if team is not None:
            if scheme.supervisor_counts or not teams.supervisor_led(deal, team):
                return ("team", team)
            # 主管带单 volume kept out of the team's tiers: the supervisor's personal tier.
            return ("person", teams.supervisor_of[team])
    return ("person", deal.consultant_id)


def shares_of(
    scheme: Scheme, deal: Deal, total: int, ratios: dict[int, Decimal]
) -> list[tuple[Recipient, Decimal, int]]:
    """(recipient, share, fen) of a deal's commission: a channel, or consultant (+ co-handler)."""
    if scheme.payee == Payee.CHANNEL and is_external(deal):
        return [(Recipient(channel_id=deal.channel_id), Decimal(1), total)]
    if not deal.co_handler_id or deal.co_handler_id == deal.consultant_id:
        return [(Recipient(person_id=deal.consultant_id), Decimal(1), total)]
    ratio = scheme.supervisor_ratio
    if ratio is None:
        ratio = ratios.get(deal.project_id, DEFAULT_SUPERVISOR_RATIO)
    first, second = rules.split(total, ratio)
    return [
        (Recipient(person_id=deal.consultant_id), ratio, first),
        (Recipient(person_id=deal.co_handler_id), Decimal(1) - ratio, second),
    ]


# --- deal entitlements -------------------------------------------------------------------


@dataclass
class DealBook:
    """The deals, schemes and teams a settlement reads."""

    deals: list[Deal]
    schemes: list[Scheme]
    teams: Teams
    ratios: dict[int, Decimal]
    tiers: dict[int, list[rules.Tier]]

    @classmethod
    def load(cls, project_ids: set[int], end: dt.datetime) -> DealBook:
        deals = list(
            Deal.objects.filter(project_id__in=project_ids)
            .filter(Q(subscribed_at__lt=end) | Q(subscribed_at__isnull=True, signed_at__lt=end))
            .select_related("channel")
            .order_by("subscribed_at", "signed_at", "id")
        )
        schemes = list(
            Scheme.objects.filter(project_id__in=project_ids, is_active=True).prefetch_related(
                "tiers"
            )
        )
        ratios = dict(
            RuleSet.objects.filter(project_id__in=project_ids).values_list(
                "project_id", "supervisor_ratio"
            )
        )
        return cls(
            deals,
            schemes,
            Teams.load(project_ids),
            {k: Decimal(v) for k, v in ratios.items()},
            {s.pk: tier_table(s) for s in schemes},
        )


def _tier_label(scheme: Scheme, result: rules.DealCommission, tiers: list[rules.Tier]) -> str:
    if len(tiers) <= 1:
        return ""
    unit = "套" if scheme.tier_by == "units" else "元"
    parts = []
    for p in result.portions:
        if scheme.tier_mode == "excess" and len(result.portions) > 1:
            amount = p.units if scheme.tier_by == "units" else p.amount_fen / 100
            parts.append(f"第{p.tier + 1}档×{float(amount):g}{unit}")
        else:
            parts.append(f"第{p.tier + 1}档")
    return " + ".join(parts)


def _rate_of(scheme: Scheme, result: rules.DealCommission, tiers: list[rules.Tier]) -> Decimal:
    tier = tiers[result.top_tier] if tiers else rules.Tier(0)
    return tier.rate if scheme.basis == "rate" else Decimal(0)


def _groups(
    book: DealBook, payee: str, end: dt.datetime
) -> dict[tuple[int, tuple[str, int], dt.date], list[Deal]]:
    """Counted deals by (scheme, pool, tier period), in counting order."""
    groups: dict[tuple[int, tuple[str, int], dt.date], list[Deal]] = defaultdict(list)
    for deal in book.deals:
        moment = deal_moment(deal)
        if moment is None or _cancelled(deal, end):
            continue
        scheme = scheme_for(book.schemes, deal, payee, local_date(moment))
        if scheme is None:
            continue
        period = rules.period_start(local_date(moment), scheme.tier_period)
        groups[(scheme.pk, pool_of(scheme, deal, book.teams), period)].append(deal)
    return groups


def deal_entitlements(book: DealBook, end: dt.datetime, out: Entitlements) -> None:
    """Add every stage each recipient is entitled to by `end`, for both payees."""
    by_id = {s.pk: s for s in book.schemes}
    for payee in (Payee.CHANNEL, Payee.CONSULTANT):
        for (scheme_id, _pool, period), deals in _groups(book, payee, end).items():
            scheme, tiers = by_id[scheme_id], book.tiers[scheme_id]
            items = [rules.Item(d, d.units, d.amount_fen) for d in deals]
            results = rules.commissions(
                items, tiers, tier_by=scheme.tier_by, mode=scheme.tier_mode, pay=scheme.basis
            )
            for result in results:
                _stage_entitlements(book, scheme, result, tiers, period, end, out)


def _stage_entitlements(
    book: DealBook,
    scheme: Scheme,
    result: rules.DealCommission,
    tiers: list[rules.Tier],
    period: dt.date,
    end: dt.datetime,
    out: Entitlements,
) -> None:
    deal: Deal = result.key
    percents = [getattr(scheme, percent) for _stage, _date, percent in STAGES]
    for recipient, share, fen in shares_of(scheme, deal, result.fen, book.ratios):
        amounts = rules.stage_amounts(fen, percents)
        for (stage, date_field, _percent), amount in zip(STAGES, amounts, strict=True):
            when = getattr(deal, date_field)
            if when is None or when >= end:
                continue
            key = Key(deal.project_id, recipient, deal.pk, scheme.pk, stage)
            detail = Detail(
                tier_label=_tier_label(scheme, result, tiers),
                rate=_rate_of(scheme, result, tiers),
                share=share if share != 1 else None,
                deal_commission_fen=fen,
                stage_date=local_date(when),
                note=f"跳点周期 {period:%Y-%m}" if len(tiers) > 1 else "",
            )
            out.add(key, amount, detail)


# --- incentives ----------------------------------------------------------------------------


def _units_in(
    deals: Iterable[Deal], period: dt.date, end: dt.datetime, **match: Any
) -> dict[int, int]:
    """Units per consultant of counted deals made in the month `period`."""
    units: dict[int, int] = defaultdict(int)
    for deal in deals:
        moment = deal_moment(deal)
        if moment is None or _cancelled(deal, end):
            continue
        if rules.month_start(local_date(moment)) != period:
            continue
        if any(getattr(deal, k) != v for k, v in match.items()):
            continue
        units[deal.consultant_id] += deal.units
    return units


def incentive_entitlements(
    book: DealBook,
    project_ids: set[int],
    periods: list[dt.date],
    end: dt.datetime,
    out: Entitlements,
) -> None:
    """Add incentives earned in each of `periods` (months), as known at `end`."""
    incentives = Incentive.objects.filter(
        project_id__in=project_ids, is_active=True
    ).prefetch_related("members", "tiers")
    for incentive in incentives:
        for period in periods:
            last = rules.next_month(period) - dt.timedelta(days=1)
            if incentive.valid_from > last or (
                incentive.valid_until and incentive.valid_until < period
            ):
                continue
            _INCENTIVE_KINDS[incentive.kind](book, incentive, period, end, out)


def _deal_tiers(
    book: DealBook, incentive: Incentive, period: dt.date, end: dt.datetime, out: Entitlements
) -> None:
    units = _units_in(book.deals, period, end, project_id=incentive.project_id)
    tiers = [rules.Tier(t.threshold, per_unit_fen=t.per_unit_fen) for t in incentive.tiers.all()]
    for member in incentive.members.all():
        count = units.get(member.pk, 0)
        fen = rules.beyond_target_fen(count, incentive.target_units, tiers)
        key = Key(
            incentive.project_id,
            Recipient(person_id=member.pk),
            incentive_id=incentive.pk,
            period=period,
        )
        note = f"{period:%Y-%m} 成交 {count} 套，目标 {incentive.target_units} 套"
        out.add(key, fen, Detail(note=note))


def _team_target(
    book: DealBook, incentive: Incentive, period: dt.date, end: dt.datetime, out: Entitlements
) -> None:
    counted = [
        d
        for d in book.deals
        if d.project_id == incentive.project_id
        and (not incentive.channel_kind or (d.channel and d.channel.kind == incentive.channel_kind))
    ]
    total = sum(_units_in(counted, period, end).values())
    reached = incentive.target_units > 0 and total >= incentive.target_units
    for member in incentive.members.all():
        key = Key(
            incentive.project_id,
            Recipient(person_id=member.pk),
            incentive_id=incentive.pk,
            period=period,
        )
        note = f"{period:%Y-%m} 团队成交 {total} 套，目标 {incentive.target_units} 套"
        out.add(key, incentive.bonus_fen if reached else 0, Detail(note=note))


def _live_session(
    book: DealBook, incentive: Incentive, period: dt.date, end: dt.datetime, out: Entitlements
) -> None:
    figures = LiveSessionFigure.objects.filter(
        project_id=incentive.project_id,
        anchor__in=incentive.members.all(),
        date__gte=period,
        date__lt=rules.next_month(period),
    )
    for figure in figures:
        fen = 0
        if incentive.min_viewers is not None and figure.viewers >= incentive.min_viewers:
            fen += incentive.viewers_bonus_fen
        if incentive.min_leads is not None and figure.leads >= incentive.min_leads:
            fen += incentive.leads_bonus_fen
        key = Key(
            incentive.project_id,
            Recipient(person_id=figure.anchor_id),
            incentive_id=incentive.pk,
            period=period,
            live_figure_id=figure.pk,
        )
        note = f"{figure.date:%m-%d} 直播 观看 {figure.viewers} / 留资 {figure.leads}"
        out.add(key, fen, Detail(note=note))


_INCENTIVE_KINDS: dict[
    str, Callable[[DealBook, Incentive, dt.date, dt.datetime, Entitlements], None]
] = {
    Incentive.Kind.DEAL_TIERS: _deal_tiers,
    Incentive.Kind.TEAM_TARGET: _team_target,
    Incentive.Kind.LIVE_SESSION: _live_session,
}


# --- payments so far -----------------------------------------------------------------------


def paid_before(project_ids: set[int], month: dt.date) -> dict[Key, int]:
    """What statements of months before `month` already hold, per key (manual lines aside)."""
    rows = (
        Line.objects.filter(statement__project_id__in=project_ids, statement__month__lt=month)
        .exclude(kind=Line.Kind.MANUAL)
        .values(
            "statement__project_id",
            "statement__person_id",
            "statement__channel_id",
            "deal_id",
            "scheme_id",
            "stage",
            "incentive_id",
            "period",
            "live_figure_id",
        )
        .annotate(total=Sum("amount_fen"))
    )
    paid: dict[Key, int] = {}
    for r in rows:
        recipient = Recipient(r["statement__person_id"], r["statement__channel_id"])
        key = Key(
            r["statement__project_id"],
            recipient,
            r["deal_id"],
            r["scheme_id"],
            r["stage"],
            r["incentive_id"],
            r["period"],
            r["live_figure_id"],
        )
        paid[key] = paid.get(key, 0) + int(r["total"] or 0)
    return paid


# --- the month's lines ---------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One computed line of a month, before it is written."""

    key: Key
    kind: str
    amount_fen: int
    tier_label: str
    rate: Decimal | None
    share: Decimal | None
    deal_commission_fen: int | None
    note: str

    def content(self) -> tuple[Any, ...]:
        k = self.key
        return (
            str(self.kind),
            k.deal_id,
            k.scheme_id,
            str(k.stage),
            k.incentive_id,
            k.period,
            k.live_figure_id,
            self.amount_fen,
            self.tier_label,
            None if self.rate is None else Decimal(self.rate).normalize(),
            None if self.share is None else Decimal(self.share).normalize(),
            self.deal_commission_fen,
            self.note,
        )


def _kind(key: Key, detail: Detail, paid: int, delta: int, month: dt.date) -> str:
    if key.incentive_id is not None:
        return Line.Kind.INCENTIVE if paid == 0 else Line.Kind.RECALC
    if detail.cancelled and delta < 0:
        return Line.Kind.CLAWBACK
    in_month = detail.stage_date is not None and rules.month_start(detail.stage_date) == month
    return Line.Kind.STAGE if paid == 0 and in_month else Line.Kind.RECALC


def plan_month(project_ids: set[int], month: dt.date) -> list[Planned]:
    """Every computed line of `month` for the projects: entitlement minus what was paid."""
    end = month_end(month)
    book = DealBook.load(project_ids, end)
    owed = Entitlements()
    deal_entitlements(book, end, owed)
    previous = rules.month_start(month - dt.timedelta(days=1))
    incentive_entitlements(book, project_ids, [previous, month], end, owed)
    paid = paid_before(project_ids, month)
    cancelled = {d.pk for d in book.deals if _cancelled(d, end)}
    planned = []
    for key in sorted(set(owed.amounts) | set(paid), key=_sort_key):
        delta = owed.amounts.get(key, 0) - paid.get(key, 0)
        if delta == 0:
            continue
        detail = owed.details.get(key) or Detail()
        detail.cancelled = key.deal_id in cancelled
        planned.append(_planned(key, detail, paid.get(key, 0), delta, month))
    return planned


def _planned(key: Key, detail: Detail, paid: int, delta: int, month: dt.date) -> Planned:
    kind = _kind(key, detail, paid, delta, month)
    note = detail.note
    if kind == Line.Kind.CLAWBACK:
        note = "退房追回已发佣金"
    elif kind == Line.Kind.RECALC and paid:
        note = f"{note}；应得与已发差额".lstrip("；")
    return Planned(
        key,
        kind,
        delta,
        detail.tier_label,
        detail.rate,
        detail.share,
        detail.deal_commission_fen,
        note[:200],
    )


def _sort_key(key: Key) -> tuple[Any, ...]:
    return (
        key.project_id,
        key.recipient.person_id or 0,
        key.recipient.channel_id or 0,
        key.deal_id or 0,
        key.stage,
        key.incentive_id or 0,
        key.period or dt.date.min,
        key.live_figure_id or 0,
    )


def statements_of(planned: Iterable[Planned]) -> dict[tuple[int, Recipient], list[Planned]]:
    """Planned lines grouped by the statement (project, recipient) they belong to."""
    grouped: dict[tuple[int, Recipient], list[Planned]] = defaultdict(list)
    for line in planned:
        grouped[(line.key.project_id, line.key.recipient)].append(line)
    return grouped


def recipient_of(statement: Statement) -> Recipient:
    return Recipient(statement.person_id, statement.channel_id)
