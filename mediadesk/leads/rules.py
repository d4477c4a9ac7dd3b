"""判客: the pure attribution judge (domain-cn §1.2–§1.6). Plain data in, plain data out.

Every judgement is made *as of its own event time* `t`: records after `t` are ignored and a
prior report's state at `t` is derived from its stored timestamps (deadlines, first visit,
`closed_at`), never from its current status — so back-filled history comes out as it
would have then.

Deadlines: a period of N natural days ends at 23:59:59 (Asia/Shanghai) of the Nth day after
the start; a 24-hour period ends N×24 h after it. A record is inside a period while
`t <= until`. The anti-interception window is open while `t < intercept_until`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from mediadesk.core import phone as phones
from mediadesk.leads.models import Report, ResultCode, RuleSet, Stage

SHANGHAI = ZoneInfo("Asia/Shanghai")
MASKED = re.compile(r"^(1[3-9]\d)(\*{4}|\*{2}\d{2})(\d{4})$")

# Report statuses a re-report may follow (负极唤醒), with the code given when the project
# forbids it; opportunity stages that count as negative.
NEGATIVE_REPORT_STATUSES = frozenset(
    {Report.Status.INVALID, Report.Status.VISIT_OVERDUE, Report.Status.DEAL_OVERDUE,
     Report.Status.LOST}
)  # fmt: skip
NEGATIVE_STAGES = frozenset({Stage.INVALID, Stage.LOST})
OPEN_STATUSES = frozenset({Report.Status.VALID, Report.Status.VISITED, Report.Status.DISPUTED})


class PhoneError(ValueError):
    """The text is neither a mainland mobile nor a masked pattern (message in Chinese)."""


# --- phone claims ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A reported number: 11 digits, or a masked pattern (前三后四 / 前三后六) of 11 chars."""

    pattern: str
    masked: bool

    @property
    def prefix(self) -> str:
        return self.pattern[:3]

    @property
    def tail(self) -> str:
        """The last four digits: every pattern knows them (the lookup and lock key)."""
        return self.pattern[-4:]


def parse_phone(raw: str) -> Claim:
    """Normalise a full number (+86, spaces, dashes) or a masked pattern; PhoneError if neither."""
    text = re.sub(r"[\s\-()]", "", raw or "")
    for country in ("+86", "0086", "86"):
        if text.startswith(country) and len(text) == 11 + len(country):
            text = text[len(country) :]
    text = text.replace("＊", "*")
    if MASKED.match(text):
        return Claim(text, True)
    digits = phones.normalise(text) if "*" not in text else ""
    if phones.MOBILE.match(digits):
        return Claim(digits, False)
    if "*" in text:
        raise PhoneError(_("隐号格式应为前三后四（如 135****5678）或前三后六（如 135**345678）"))
    raise PhoneError(_("手机号应为 11 位大陆手机号"))


def matches(a: str, b: str) -> bool:
    """True when two patterns agree on every digit both know (a masked one may be anyone)."""
    return len(a) == len(b) == 11 and all(
        x == y or "*" in (x, y) for x, y in zip(a, b, strict=True)
    )


# --- periods ----------------------------------------------------------------------------------


def period_end(start: dt.datetime, days: int, counting: str) -> dt.datetime:
    """The end of a period of `days` from `start`, as natural days or 24-hour spans."""
    if counting == RuleSet.DayCounting.HOURS_24:
        return start + dt.timedelta(days=days)
    local = start.astimezone(SHANGHAI).date() + dt.timedelta(days=days)
    return dt.datetime.combine(local, dt.time(23, 59, 59), tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Params:
    """The effective rules for one channel in one project (RuleSet + ChannelRule overrides)."""

    mode: str = RuleSet.Mode.PROTECT
    visit_protect_days: int = 7
    deal_protect_days: int = 30
    intercept_minutes: int = 30
    masked: str = RuleSet.Masked.ALLOWED
    only_new: bool = True
    old_owners: str = RuleSet.OldOwners.NONE
    allow_negative_rereport: bool = True
    owned_rereport_days: int = 30
    daily_report_limit: int = 50
    revisit_refreshes_deal: bool = True
    day_counting: str = RuleSet.DayCounting.NATURAL
    pool_cooldown_days: int = 30
    protected_sources: dict[str, int] = field(default_factory=dict)


def admission_error(params: Params, claim: Claim, reports_today: int) -> str | None:
    """Why a report cannot even be filed (masked policy, daily limit), else None."""
    if claim.masked and params.masked == RuleSet.Masked.FORBIDDEN:
        return _("该楼盘不支持隐号报备，请全号报备")
    if not claim.masked and params.masked == RuleSet.Masked.ONLY:
        return _("该楼盘只接受隐号报备（如 135****5678）")
    if reports_today >= params.daily_report_limit:
        return _("今日报备已达上限（%(n)s 组）") % {"n": params.daily_report_limit}
    return None


# --- facts as of the event time ---------------------------------------------------------------


@dataclass(frozen=True)
class Prior:
    """An earlier report of a matching number in the same project, with its timestamps."""

    id: int
    channel_id: int
    pattern: str
    masked: bool
    mode: str
    reported_at: dt.datetime
    result_code: int
    status: str
    protect_visit_until: dt.datetime | None = None
    protect_deal_until: dt.datetime | None = None
    intercept_until: dt.datetime | None = None
    first_visit_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    @property
    def once_valid(self) -> bool:
        """Filed as 报备成功 (a later judgement may since have closed it)."""
        return self.result_code == ResultCode.OK or self.closed_at is not None

    @property
    def protects(self) -> bool:
        """A 保护带看 full-number report: the only kind that holds period protection."""
        return self.mode == RuleSet.Mode.PROTECT and not self.masked

    def visited_by(self, t: dt.datetime) -> bool:
        return self.first_visit_at is not None and self.first_visit_at <= t

    def until(self, t: dt.datetime) -> dt.datetime | None:
        """The deadline in force at `t`: the deal deadline once visited, else the visit one."""
        return self.protect_deal_until if self.visited_by(t) else self.protect_visit_until

    def active_at(self, t: dt.datetime) -> bool:
        """Valid, not closed and inside its period at `t`."""
        if not self.once_valid or self.reported_at > t:
            return False
        if self.closed_at is not None and self.closed_at <= t:
            return False
        until = self.until(t)
        return until is None or t <= until

    def expiry_at(self, t: dt.datetime) -> int | None:
        """7 or 8 when this once-valid report had run out of its period by `t`."""
        if not self.once_valid or self.reported_at > t or self.active_at(t):
            return None
        if self.status == Report.Status.DEAL_OVERDUE or (
            self.visited_by(t) and self.closed_at is None
        ):
            return ResultCode.DEAL_OVERDUE
        if self.status == Report.Status.VISIT_OVERDUE or self.closed_at is None:
            return ResultCode.VISIT_OVERDUE
        return None


@dataclass(frozen=True)
class OpportunityFacts:
    """The customer's opportunity in the judged project, as of the event time."""

    consultant_id: int | None
    channel_id: int | None
    attributed_report_id: int | None
    stage: str
    in_pool: bool
    source: str
    last_activity_at: dt.datetime | None
    cooldown_until: dt.datetime | None = None
    source_protected_until: dt.datetime | None = None

    def negative(self) -> bool:
        return self.stage in NEGATIVE_STAGES or self.in_pool

    def idle_since(self, t: dt.datetime, days: int) -> bool:
        """No follow-up, visit or capture within `days` before `t` (old customer re-reportable)."""
        return self.last_activity_at is None or self.last_activity_at < t - dt.timedelta(days=days)


@dataclass(frozen=True)
class Facts:
    """Everything the judge may look at, already restricted to records at or before `t`."""

    priors: tuple[Prior, ...] = ()
    group_owner: bool = False
    project_owner: bool = False
    opportunity: OpportunityFacts | None = None


@dataclass(frozen=True)
class NewReport:
    claim: Claim
    channel_id: int
    at: dt.datetime


@dataclass(frozen=True)
class Verdict:
    """A report's judgement: code, reason and every deadline it set."""

    code: int
    reason: str
    protecting: bool = False
    protect_visit_until: dt.datetime | None = None
    protect_deal_until: dt.datetime | None = None
    intercept_until: dt.datetime | None = None
    dispute_with: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code == ResultCode.OK


def source_label(code: int) -> str:
    """A result code's label in the source language: reasons are stored with the report."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(ResultCode(code).label)


def refuse(code: int, reason: str = "") -> Verdict:
    return Verdict(code, reason or source_label(code))


# --- judging a report ---------------------------------------------------------------------------


def judge_report(params: Params, report: NewReport, facts: Facts) -> Verdict:
    """判客 in the order of domain-cn §1.4; the first failing check gives the code."""
    t = report.at
    priors = [
        p for p in facts.priors if p.reported_at <= t and matches(p.pattern, report.claim.pattern)
    ]
    active = [p for p in priors if p.active_at(t)]
    others = [p for p in active if p.channel_id != report.channel_id]
    for check in (_own_channel, _mode_exclusion, _owners, _opportunity, _negative):
        verdict = check(params, report, facts, priors, active)
        if verdict is not None:
            return verdict
    if params.mode == RuleSet.Mode.COMPETE:
        if any(p.visited_by(t) for p in others):
            return refuse(ResultCode.VISITED_BY_OTHER)
    elif any(p.protects for p in others):
        return refuse(ResultCode.REPORTED_BY_OTHER)
    cooling = _cooldown(params, report, facts, priors, active)
    if cooling is not None:
        return cooling
    protect = params.mode == RuleSet.Mode.PROTECT and report.claim.masked
    masked_rivals = tuple(p.id for p in others if p.masked) if protect else ()
    return _success(params, report, masked_rivals)


def _own_channel(
    params: Params, report: NewReport, facts: Facts, priors: list[Prior], active: list[Prior]
) -> Verdict | None:
    """9: this channel already holds an open report of the number (a full number may still
    complete the channel's own masked report)."""
    upgrade = not report.claim.masked
    if any(p.channel_id == report.channel_id and not (upgrade and p.masked) for p in active):
        return refuse(ResultCode.ALREADY_YOURS)
    return None


def _cooldown(
    params: Params, report: NewReport, facts: Facts, priors: list[Prior], active: list[Prior]
) -> Verdict | None:
    """负极唤醒 cool-down: the channel whose own report ran out (or whose customer went to the
    pool) cannot reclaim the customer for `pool_cooldown_days`."""
    t = report.at
    cooldown = dt.timedelta(days=params.pool_cooldown_days)
    for p in priors:
        # A masked 保护带看 report never held a period, so its lapse costs the channel nothing.
        held = p.protects or p.mode == RuleSet.Mode.COMPETE
        code = p.expiry_at(t) if held and p.channel_id == report.channel_id else None
        ended = p.closed_at or p.until(t)
        if code is not None and ended is not None and t < ended + cooldown:
            return refuse(code, f"{source_label(code)}，原渠道冷却期内不可再报备")
    opp = facts.opportunity
    if (
        opp
        and opp.channel_id == report.channel_id
        and opp.cooldown_until
        and t < opp.cooldown_until
    ):
        return refuse(ResultCode.PROTECTED, "客户从公海唤醒，原渠道冷却期内不可再报备")
    return None


def _mode_exclusion(
    params: Params, report: NewReport, facts: Facts, priors: list[Prior], active: list[Prior]
) -> Verdict | None:
    """The two modes exclude each other: a live 保护带看 report blocks a 竞争带看 one."""
    if params.mode == RuleSet.Mode.COMPETE and any(p.protects for p in active):
        return refuse(ResultCode.REPORTED_BY_OTHER, "该客户处于保护带看报备保护中")
    return None


def _owners(
    params: Params, report: NewReport, facts: Facts, priors: list[Prior], active: list[Prior]
) -> Verdict | None:
    if facts.project_owner:
        return refuse(ResultCode.PROJECT_OWNER)
    if facts.group_owner and params.old_owners == RuleSet.OldOwners.NONE:
        return refuse(ResultCode.GROUP_OWNER)
    return None


def _opportunity(
    params: Params, report: NewReport, facts: Facts, priors: list[Prior], active: list[Prior]
) -> Verdict | None:
    """2 / 6 / 10: the customer is already followed in this project."""
    opp, t = facts.opportunity, report.at
    if opp is None:
        return None
    if opp.source_protected_until and t <= opp.source_protected_until:
        return refuse(ResultCode.PROTECTED, "受保护获客方式保护期内")
    if opp.negative():
        if params.allow_negative_rereport:
            return None
        return refuse(ResultCode.LOST_ON_SITE) if opp.stage == Stage.LOST else refuse(2)
    if opp.attributed_report_id is not None and any(
        p.id == opp.attributed_report_id for p in priors
    ):
        return None  # the channel claim itself; the holder checks below decide
    if opp.idle_since(t, params.owned_rereport_days):
        return None
    if params.only_new:
        return refuse(ResultCode.PROJECT_CUSTOMER)
    if opp.consultant_id is not None:
        return refuse(ResultCode.PROTECTED, "置业顾问跟进中")
    return None


def _negative(
    params: Params, report: NewReport, facts: Facts, priors: list[Prior], active: list[Prior]
) -> Verdict | None:
    """负极: expired reports may be reported again only when the project allows it."""
    if params.allow_negative_rereport or active:
        return None
    for p in sorted(priors, key=lambda p: p.reported_at, reverse=True):
        code = p.expiry_at(report.at)
        if code is not None:
            return refuse(code)
    return None


def _success(params: Params, report: NewReport, rivals: tuple[int, ...]) -> Verdict:
    t, counting = report.at, params.day_counting
    protecting = params.mode == RuleSet.Mode.PROTECT and not report.claim.masked
    if params.mode == RuleSet.Mode.COMPETE:
        reason = "报备成功，为避免其他渠道抢先带看，请尽快到案场进行带客确认！"
    elif report.claim.masked:
        reason = "隐号报备成功（隐号不享受保护期，到访时需核验全号）"
    else:
        reason = source_label(ResultCode.OK)
    if rivals:
        reason = "隐号报备与其他渠道隐号报备冲突，已转争议判客"
    return Verdict(
        ResultCode.OK,
        reason,
        protecting=protecting,
        protect_visit_until=period_end(t, params.visit_protect_days, counting),
        protect_deal_until=period_end(t, params.deal_protect_days, counting),
        intercept_until=t + dt.timedelta(minutes=params.intercept_minutes),
        dispute_with=rivals,
    )


# --- judging a visit ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportChange:
    """What a visit does to one report: new status/code/reason, first visit, deal deadline."""

    report_id: int
    status: str | None = None
    code: int | None = None
    reason: str = ""
    closed_at: dt.datetime | None = None
    first_visit_at: dt.datetime | None = None
    protect_deal_until: dt.datetime | None = None


@dataclass(frozen=True)
class VisitVerdict:
    """A visit's judgement: its code and reason, the report it counts for, report changes."""

    code: int
    reason: str
    report_id: int | None = None
    changes: tuple[ReportChange, ...] = ()
    dispute: str = ""
    dispute_ids: tuple[int, ...] = ()


def judge_visit(
    params: Params, phone: str, at: dt.datetime, channel_id: int | None, priors: tuple[Prior, ...]
) -> VisitVerdict:
    """Confirm a visit (full number, at `at`) against the project's reports of that number."""
    mine = [p for p in priors if p.reported_at <= at and matches(p.pattern, phone)]
    active = sorted((p for p in mine if p.active_at(at)), key=lambda p: (p.reported_at, p.id))
    overdue = _overdue_changes(mine, at)
    if params.mode == RuleSet.Mode.COMPETE:
        verdict = _visit_compete(params, at, channel_id, active)
    else:
        verdict = _visit_protect(params, at, channel_id, active)
    if verdict.report_id is None and channel_id is not None:
        expired = [c for c in overdue if _channel_of(mine, c.report_id) == channel_id]
        if expired:
            code = expired[-1].code or ResultCode.VISIT_OVERDUE
            verdict = VisitVerdict(code, source_label(code), None, verdict.changes)
    return _with_changes(verdict, overdue)


def _channel_of(priors: list[Prior], report_id: int) -> int | None:
    return next((p.channel_id for p in priors if p.id == report_id), None)


def _overdue_changes(priors: list[Prior], at: dt.datetime) -> list[ReportChange]:
    """Reports whose period ran out by `at` but are still marked open."""
    changes = []
    for p in priors:
        code = p.expiry_at(at)
        if code is None or p.status not in OPEN_STATUSES or p.closed_at is not None:
            continue
        status = (
            Report.Status.DEAL_OVERDUE
            if code == ResultCode.DEAL_OVERDUE
            else Report.Status.VISIT_OVERDUE
        )
        changes.append(ReportChange(p.id, status, code, source_label(code), closed_at=p.until(at)))
    return changes


def _with_changes(verdict: VisitVerdict, extra: list[ReportChange]) -> VisitVerdict:
    if not extra:
        return verdict
    return VisitVerdict(
        verdict.code,
        verdict.reason,
        verdict.report_id,
        (*extra, *verdict.changes),
        verdict.dispute,
        verdict.dispute_ids,
    )


def _confirm(params: Params, p: Prior, at: dt.datetime) -> ReportChange:
    """The first visit starts the deal period; a revisit refreshes it when configured."""
    deal_until = period_end(at, params.deal_protect_days, params.day_counting)
    if p.visited_by(at):
        if not params.revisit_refreshes_deal or (
            p.protect_deal_until and p.protect_deal_until >= deal_until
        ):
            return ReportChange(p.id)
        return ReportChange(p.id, protect_deal_until=deal_until)
    return ReportChange(
        p.id, Report.Status.VISITED, first_visit_at=at, protect_deal_until=deal_until
    )


def _intercepted(p: Prior, at: dt.datetime) -> bool:
    return not p.visited_by(at) and p.intercept_until is not None and at < p.intercept_until


def _intercept(p: Prior, at: dt.datetime, channel_id: int | None) -> VisitVerdict:
    """防截客: the customer came within the window — the report does not count."""
    change = ReportChange(
        p.id,
        Report.Status.INVALID,
        ResultCode.INTERCEPT,
        "报备后防截客时间内到访，报备无效",
        closed_at=at,
    )
    contest = channel_id == p.channel_id
    return VisitVerdict(
        ResultCode.INTERCEPT,
        source_label(ResultCode.INTERCEPT),
        None,
        (change,),
        dispute="intercept" if contest else "",
        dispute_ids=(p.id,) if contest else (),
    )


def _visit_protect(
    params: Params, at: dt.datetime, channel_id: int | None, active: list[Prior]
) -> VisitVerdict:
    holder = next((p for p in active if p.protects), None)
    if holder is None:
        masked = [p for p in active if p.masked]
        channels = {p.channel_id for p in masked}
        if len(channels) > 1:
            ids = tuple(p.id for p in masked[:2])
            return VisitVerdict(
                ResultCode.OK, "多个渠道隐号报备匹配，已转争议判客", None, (), "masked", ids
            )
        holder = masked[0] if masked else None
    if holder is None:
        return VisitVerdict(ResultCode.OK, "自然到访（无有效报备）")
    if _intercepted(holder, at):
        return _intercept(holder, at, channel_id)
    change = _confirm(params, holder, at)
    if channel_id is not None and channel_id != holder.channel_id:
        return VisitVerdict(
            ResultCode.REPORTED_BY_OTHER,
            source_label(ResultCode.REPORTED_BY_OTHER),
            holder.id,
            (change,),
        )
    return VisitVerdict(ResultCode.OK, "到访确认，归属报备渠道", holder.id, (change,))


def _visit_compete(
    params: Params, at: dt.datetime, channel_id: int | None, active: list[Prior]
) -> VisitVerdict:
    """竞争带看: the first confirmed visit wins; the other open reports are superseded."""
    winner = next((p for p in active if p.visited_by(at)), None)
    if winner is not None:
        change = _confirm(params, winner, at)
        if channel_id is not None and channel_id != winner.channel_id:
            return VisitVerdict(
                ResultCode.VISITED_BY_OTHER,
                source_label(ResultCode.VISITED_BY_OTHER),
                winner.id,
                (change,),
            )
        return VisitVerdict(ResultCode.OK, "复访，归属已带看渠道", winner.id, (change,))
    candidates = [p for p in active if channel_id is None or p.channel_id == channel_id]
    if channel_id is None and len({p.channel_id for p in candidates}) > 1:
        return VisitVerdict(ResultCode.OK, "多个渠道报备，请指定带看渠道后确认")
    if not candidates:
        return VisitVerdict(ResultCode.OK, "自然到访（无有效报备）")
    chosen = candidates[0]
    if _intercepted(chosen, at):
        return _intercept(chosen, at, channel_id)
    superseded = tuple(
        ReportChange(
            p.id,
            Report.Status.SUPERSEDED,
            ResultCode.VISITED_BY_OTHER,
            source_label(ResultCode.VISITED_BY_OTHER),
            closed_at=at,
        )
        for p in active
        if p.channel_id != chosen.channel_id
    )
    return VisitVerdict(
        ResultCode.OK, "带看确认成功", chosen.id, (_confirm(params, chosen, at), *superseded)
    )


# --- deals --------------------------------------------------------------------------------------

DEAL_ORDER = {"pledged": 1, "subscribed": 2, "signed": 3}


def reaches_node(stage: str, node: str) -> bool:
    """True when a deal stage has reached the rule set's deal node (认筹 < 认购 < 签约)."""
    return DEAL_ORDER.get(stage, 0) >= DEAL_ORDER[node]


def deal_overdue(p: Prior, at: dt.datetime) -> bool:
    """A deal after the report's deal deadline (or before any visit, after the visit one)."""
    until = p.until(at)
    return until is not None and at > until


# --- dispute suggestions --------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One claim of a dispute, summarised: when it was made and what backs it."""

    first_at: dt.datetime | None
    masked: bool = False
    brought_visit: bool = False
    call_seconds: int = 0
    follow_ups: int = 0


def suggest(kind: str, a: Side, b: Side) -> tuple[str, str]:
    """The engine's suggested decision (a / b / split / none) and why.

    Real calls (真实沟通记录, `call_seconds`) weigh most, then bringing the customer on
    site, then the earlier claim (first valid report wins, domain-cn §1.7)."""
    if kind == "intercept":
        return "none", "到访发生在防截客时间内，按规则报备无效"
    if a.call_seconds or b.call_seconds:
        if bool(a.call_seconds) != bool(b.call_seconds):
            side = "a" if a.call_seconds else "b"
            secs = a.call_seconds or b.call_seconds
            return side, f"{side.upper()}方有真实通话记录（{secs} 秒），优先采信"
        return "split", "双方均有真实通话记录，建议分佣"
    if a.brought_visit != b.brought_visit:
        side = "a" if a.brought_visit else "b"
        return side, f"{side.upper()}方带客到访确认"
    if a.follow_ups and b.follow_ups:
        return "split", "双方均有跟进记录，建议分佣"
    if a.first_at is None and b.first_at is None:
        return "none", "双方均无有效记录"
    if b.first_at is None or (a.first_at is not None and a.first_at <= b.first_at):
        return "a", "A方在先（先有效报备者优先）"
    return "b", "B方在先（先有效报备者优先）"
