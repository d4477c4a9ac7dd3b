"""Public-opinion monitoring: watch terms, mentions (dedup, sentiment, term match), signals
(spikes vs the trailing baseline, negative bursts, 大V, red keywords), graded incidents with
their playbook (robot alert, first-response clock, steps, actions, statement) and 复盘."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, scopes
from mediadesk.engagement import perms, rules
from mediadesk.engagement.models import (
    Grade,
    Incident,
    IncidentEvent,
    Mention,
    Message,
    OpinionSettings,
    Polarity,
    Signal,
    Step,
    TermCount,
    WatchTerm,
)
from mediadesk.notifications import services as notifications
from mediadesk.orgs.models import Organisation

audit.register_actions(
    {
        "watch_term.save": gettext_lazy("保存监测词"),
        "mention.receive": gettext_lazy("收到舆情信息"),
        "incident.open": gettext_lazy("舆情事件立案"),
        "incident.grade": gettext_lazy("舆情事件定级"),
        "incident.step": gettext_lazy("舆情事件处置环节"),
        "incident.respond": gettext_lazy("舆情事件首次响应"),
        "incident.statement": gettext_lazy("起草舆情声明"),
        "incident.close": gettext_lazy("舆情事件关闭复盘"),
        "incident.link": gettext_lazy("关联消息到舆情事件"),
    }
)
notifications.register_kinds(
    {
        "opinion.incident": gettext_lazy("舆情事件"),
        "opinion.signal": gettext_lazy("舆情信号"),
        "engagement.sla": gettext_lazy("互动消息回复超时"),
        "engagement.approval": gettext_lazy("回复待审批"),
    }
)

MAX_MENTIONS = 500


def settings_of(organisation_id: int) -> OpinionSettings:
    row, _created = OpinionSettings.objects.get_or_create(organisation_id=organisation_id)
    return row


def grades_of(organisation_id: int) -> list[Grade]:
    """The organisation's levels, created from the defaults the first time."""
    rows = list(Grade.objects.filter(organisation_id=organisation_id))
    if rows:
        return rows
    for spec in rules.DEFAULT_GRADES:
        Grade.objects.get_or_create(
            organisation_id=organisation_id, level=spec["level"], defaults=spec
        )
    return list(Grade.objects.filter(organisation_id=organisation_id))


def red_words(organisation_id: int) -> list[str]:
    raw = settings_of(organisation_id).red_keywords.replace("，", ",")
    return [w.strip() for w in raw.split(",") if w.strip()]


def require_manage(by: Any, organisation_id: int) -> None:
    if by is not None and (by.organisation_id != organisation_id or not scopes.has_perm(by, perms.OPINION_MANAGE)):  # fmt: skip
        raise PermissionDenied(_("没有管理舆情的权限"))


@transaction.atomic
def save_watch_term(organisation: Organisation, *, term: str, category: str, by: Any, project: Any = None, active: bool = True) -> WatchTerm:  # fmt: skip
    """Add or change a watch term."""
    require_manage(by, organisation.pk)
    term = term.strip()
    if not term or len(term) > 40:
        raise ValidationError({"term": _("监测词必填，最长 40 个字")})
    if category not in WatchTerm.Category.values:
        raise ValidationError({"category": _("未知类别")})
    row, _created = WatchTerm.objects.update_or_create(
        organisation=organisation, term=term,
        defaults={"category": category, "project": project, "is_active": active},
    )  # fmt: skip
    audit.record(actor=by, action="watch_term.save", target=row, changes={"term": [None, term], "category": [None, row.get_category_display()]}, label=term)  # fmt: skip
    return row


# --- mentions ---------------------------------------------------------------------------------


@dataclass
class MentionIn:
    """One mention from a vendor export or the API."""

    source: str
    text: str
    published_at: dt.datetime
    url: str = ""
    author: str = ""
    author_followers: int | None = None


def _errors(item: MentionIn) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not item.source.strip():
        errors["source"] = _("来源必填")
    if not item.text.strip():
        errors["text"] = _("内容不能为空")
    elif len(item.text) > 10_000:
        errors["text"] = _("内容超过 10000 个字符")
    if item.url and not item.url.startswith(("http://", "https://")):
        errors["url"] = _("链接须以 http:// 或 https:// 开头")
    if timezone.is_naive(item.published_at):
        item.published_at = timezone.make_aware(item.published_at)
    if item.published_at > timezone.now() + dt.timedelta(minutes=5):
        errors["published_at"] = _("时间不能晚于当前时间")
    return errors


@transaction.atomic
def ingest_mentions(organisation: Organisation, items: Sequence[MentionIn], *, by: Any = None) -> list[tuple[Mention, bool]]:  # fmt: skip
    """Store mentions (deduplicated by URL / text hash) and raise their signals. All or
    nothing: any invalid item raises ValidationError naming it."""
    if by is not None and (by.organisation_id != organisation.pk or not scopes.has_perm(by, perms.OPINION_MANAGE)):  # fmt: skip
        raise PermissionDenied(_("没有录入舆情信息的权限"))
    if len(items) > MAX_MENTIONS:
        raise ValidationError({"items": _("一次最多 %(n)s 条") % {"n": MAX_MENTIONS}})
    bad = [(n, _errors(i)) for n, i in enumerate(items)]
    problems = [f"{_('第 %(n)s 条') % {'n': n + 1}} {k}: {v}" for n, e in bad for k, v in e.items()]
    if problems:
        raise ValidationError(problems)
    from mediadesk.engagement.services import engine

    eng = engine(organisation.pk)
    terms = list(WatchTerm.objects.filter(organisation=organisation, is_active=True))
    red = red_words(organisation.pk)
    keys = {rules.dedup_key(i.url, i.text): i for i in items}
    known = {
        m.dedup_key: m
        for m in Mention.objects.filter(organisation=organisation, dedup_key__in=keys)
    }
    fresh = []
    for key, item in keys.items():
        if key in known:
            continue
        result = eng.analyse(item.text)
        fresh.append(Mention(
            organisation=organisation, source=item.source.strip()[:40], url=item.url[:500],
            author=item.author[:100], author_followers=item.author_followers,
            published_at=item.published_at, text=item.text, dedup_key=key,
            polarity=result.polarity, score=result.score, sentiment_words=result.words,
            terms=[t.term for t in terms if t.term in item.text],
            red_keywords=rules.red_keywords_in(item.text, red),
        ))  # fmt: skip
    Mention.objects.bulk_create(fresh)
    _count(organisation, fresh, terms)
    for mention in fresh:
        _single_signals(organisation, mention, terms)
    _bursts(organisation, {t for m in fresh for t in m.terms}, terms, timezone.now())
    created = {m.dedup_key for m in fresh}
    by_key = {m.dedup_key: m for m in [*known.values(), *fresh]}
    return [(by_key[rules.dedup_key(i.url, i.text)], rules.dedup_key(i.url, i.text) in created) for i in items]  # fmt: skip


def _hour(at: dt.datetime) -> dt.datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _count(organisation: Organisation, fresh: list[Mention], terms: list[WatchTerm]) -> None:
    by_term = {t.term: t for t in terms}
    buckets: dict[tuple[int, dt.datetime], list[int]] = {}
    for m in fresh:
        for name in m.terms:
            bucket = buckets.setdefault((by_term[name].pk, _hour(m.published_at)), [0, 0])
            bucket[0] += 1
            bucket[1] += m.polarity == Polarity.NEGATIVE
    for (term_id, hour), (total, negative) in buckets.items():
        row, _created = TermCount.objects.get_or_create(term_id=term_id, hour=hour)
        TermCount.objects.filter(pk=row.pk).update(total=F("total") + total, negative=F("negative") + negative)  # fmt: skip


def _single_signals(organisation: Organisation, mention: Mention, terms: list[WatchTerm]) -> None:
    if not mention.terms:
        return
    term = next(t for t in terms if t.term == mention.terms[0])
    threshold = settings_of(organisation.pk).big_v_followers
    if (mention.author_followers or 0) >= threshold:
        detail = _("大V %(a)s（粉丝 %(f)s）提及「%(t)s」") % {"a": mention.author, "f": mention.author_followers, "t": term.term}  # fmt: skip
        raise_signal(organisation, Signal.Kind.BIG_V, term, detail, 1, f"bigv:{mention.pk}", mention.published_at, mention=mention)  # fmt: skip
    if mention.red_keywords:
        detail = _("「%(t)s」出现红色关键词：%(w)s") % {"t": term.term, "w": "、".join(mention.red_keywords)}  # fmt: skip
        raise_signal(organisation, Signal.Kind.RED, term, detail, 1, f"red:{mention.pk}", mention.published_at, mention=mention)  # fmt: skip


def _bursts(organisation: Organisation, names: set[str], terms: list[WatchTerm], now: dt.datetime) -> None:  # fmt: skip
    cfg = settings_of(organisation.pk)
    since = now - dt.timedelta(minutes=cfg.burst_minutes)
    for term in (t for t in terms if t.term in names):
        n = _negatives_in(organisation, term.term, since, now)
        if n >= cfg.burst_count:
            slot = int(now.timestamp()) // (cfg.burst_minutes * 60)
            detail = _("%(m)s 分钟内「%(t)s」负面信息 %(n)s 条") % {"m": cfg.burst_minutes, "t": term.term, "n": n}  # fmt: skip
            raise_signal(organisation, Signal.Kind.BURST, term, detail, n, f"burst:{term.pk}:{slot}", now)  # fmt: skip


def _negatives_in(organisation: Organisation, term: str, since: dt.datetime, until: dt.datetime) -> int:  # fmt: skip
    rows = Mention.objects.filter(
        organisation=organisation, polarity=Polarity.NEGATIVE, published_at__gte=since,
        published_at__lte=until, text__contains=term,
    )  # fmt: skip
    return rows.count()


def raise_signal(
    organisation: Organisation, kind: str, term: WatchTerm | None, detail: str, count: int,
    window_key: str, at: dt.datetime, *, mention: Mention | None = None, message: Message | None = None,
) -> Signal | None:  # fmt: skip
    """Record a signal once per window and, when the settings say so, open or escalate the
    term's incident."""
    try:
        with transaction.atomic():
            signal = Signal.objects.create(
                organisation=organisation, kind=kind, term=term, mention=mention,
                window_key=window_key[:80], detail=detail[:300], count=count, at=at,
            )  # fmt: skip
    except IntegrityError:
        return None
    if settings_of(organisation.pk).auto_open:
        incident = incident_for_signal(organisation, signal)
        if message is not None:
            incident.messages.add(message)
    return signal


def facts_for(
    organisation: Organisation, term: WatchTerm | None, since: dt.datetime
) -> rules.Facts:
    """Reach, negatives, total, red keywords and sources of the term's mentions since `since`."""
    rows = Mention.objects.filter(organisation=organisation, published_at__gte=since)
    if term is not None:
        rows = rows.filter(text__contains=term.term)
    agg = rows.aggregate(
        total=Count("id"), negatives=Count("id", filter=Q(polarity=Polarity.NEGATIVE)),
        reach=Sum("author_followers"),
    )  # fmt: skip
    red = rows.exclude(red_keywords=[]).exists()
    sources = frozenset(rows.values_list("source", flat=True).distinct()[:50])
    return rules.Facts(reach=agg["reach"] or 0, negatives=agg["negatives"], total=agg["total"], red=red, sources=sources)  # fmt: skip


def grade_for(organisation: Organisation, facts: rules.Facts) -> Grade:
    grades = grades_of(organisation.pk)
    specs = [
        rules.GradeRule(
            g.level,
            g.min_reach,
            g.min_negative,
            g.min_negative_share,
            g.red_keyword,
            tuple(s for s in g.sources.split(",") if s),
        )
        for g in grades
    ]
    level = rules.grade_of(facts, specs) or max(g.level for g in grades)
    return next(g for g in grades if g.level == level)


def incident_for_signal(organisation: Organisation, signal: Signal) -> Incident:
    """Attach the signal to the term's open incident (raising its grade if the facts now say
    so), or open one graded by the rules."""
    since = signal.at - dt.timedelta(hours=24)
    grade = grade_for(organisation, facts_for(organisation, signal.term, since))
    incident = (
        Incident.objects.select_for_update()
        .filter(organisation=organisation, state=Incident.State.OPEN, term=signal.term)
        .first()
    )
    if incident is None:
        title = _("%(t)s：%(d)s") % {
            "t": signal.term or _("未归类"),
            "d": signal.get_kind_display(),
        }
        incident = open_incident(organisation, title=title, grade=grade, by=None, term=signal.term, detected_at=signal.at, note=signal.detail)  # fmt: skip
    elif grade.level < incident.grade.level:
        regrade(incident, grade=grade, by=None, note=signal.detail)
    Signal.objects.filter(pk=signal.pk).update(incident=incident)
    if signal.mention_id:
        Mention.objects.filter(pk=signal.mention_id).update(incident=incident)
    return incident


def _alert(incident: Incident, title: str) -> None:
    grade = incident.grade
    people = list(grade.notify.all()) + ([incident.owner] if incident.owner else [])
    ats = " ".join(f"@{u.display_name or u.username}" for u in people)
    body = _("级别 %(g)s，首次响应截止 %(d)s。%(at)s") % {
        "g": grade.name, "d": timezone.localtime(incident.first_response_due).strftime("%m-%d %H:%M"), "at": ats,
    }  # fmt: skip
    notifications.notify(people, kind="opinion.incident", title=title, body=body, url=f"/engagement/opinion/incidents/{incident.pk}/", organisation=incident.organisation)  # fmt: skip


def _event(
    incident: Incident, step: str, note: str, by: Any, at: dt.datetime | None = None
) -> None:
    IncidentEvent.objects.create(incident=incident, step=step, note=note[:300], by=by if getattr(by, "pk", None) else None, at=at or timezone.now())  # fmt: skip


@transaction.atomic
def open_incident(
    organisation: Organisation, *, title: str, grade: Grade, by: Any, term: WatchTerm | None = None,
    detected_at: dt.datetime | None = None, note: str = "", owner: Any = None,
) -> Incident:  # fmt: skip
    """Open an incident: its first-response clock starts and the playbook's robot is told."""
    require_manage(by, organisation.pk)
    now = detected_at or timezone.now()
    first = Mention.objects.filter(organisation=organisation, text__contains=term.term).order_by("published_at").values_list("published_at", flat=True).first() if term else None  # fmt: skip
    incident = Incident.objects.create(
        organisation=organisation, title=title[:100], grade=grade, term=term, owner=owner,
        detected_at=now, first_mention_at=first or now, step=Step.ASSESS,
        first_response_due=now + dt.timedelta(hours=grade.response_hours),
    )  # fmt: skip
    _event(incident, Step.MONITOR, note or _("发现"), by, now)
    audit.record(actor=by or "舆情监测", action="incident.open", target=incident, changes={"grade": [None, grade.name], "first_response_due": [None, incident.first_response_due]})  # fmt: skip
    _alert(incident, _("【舆情%(g)s】%(t)s") % {"g": grade.name, "t": incident.title})
    return incident


@transaction.atomic
def regrade(incident: Incident, *, grade: Grade, by: Any, note: str = "") -> Incident:
    """Change the level; the first-response clock follows the new level's playbook."""
    require_manage(by, incident.organisation_id)
    before = incident.grade.name
    incident.grade = grade
    if incident.first_response_at is None:
        incident.first_response_due = incident.detected_at + dt.timedelta(
            hours=grade.response_hours
        )
    incident.save(update_fields=["grade", "first_response_due", "updated_at"])
    _event(incident, Step.GRADE, _("定级 %(a)s → %(b)s %(n)s") % {"a": before, "b": grade.name, "n": note}, by)  # fmt: skip
    audit.record(actor=by or "舆情监测", action="incident.grade", target=incident, changes={"grade": [before, grade.name]})  # fmt: skip
    _alert(incident, _("【舆情升级%(g)s】%(t)s") % {"g": grade.name, "t": incident.title})
    return incident


@transaction.atomic
def advance(incident: Incident, *, step: str, note: str, by: Any, action: str = "") -> Incident:
    """Record a step of the playbook (监测→研判→分级→处置→复盘), with the chosen action."""
    require_manage(by, incident.organisation_id)
    if step not in Step.values:
        raise ValidationError({"step": _("未知环节")})
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.state == Incident.State.CLOSED:
        raise ValidationError({"state": _("事件已关闭")})
    incident.step = step
    if action:
        incident.action = action
    now = timezone.now()
    fields = ["step", "action", "updated_at"]
    if step == Step.HANDLE and incident.first_response_at is None:
        incident.first_response_at = now
        fields.append("first_response_at")
    incident.save(update_fields=fields)
    _event(incident, step, note, by, now)
    audit.record(actor=by, action="incident.step", target=incident, changes={"step": [None, incident.get_step_display()], "action": [None, incident.get_action_display() or None], "note": [None, note]})  # fmt: skip
    return incident


@transaction.atomic
def draft_statement(incident: Incident, *, reserve_item: Any, by: Any) -> Any:
    """Copy a reserve content item (备选方案) as the statement and submit it to review as
    urgent (all reviewers notified at once)."""
    from mediadesk.content.models import ContentItem
    from mediadesk.review import services as review

    require_manage(by, incident.organisation_id)
    if not reserve_item.is_reserve or reserve_item.organisation_id != incident.organisation_id:
        raise ValidationError({"reserve_item": _("请选择本组织的备选方案")})
    item = ContentItem.objects.get(pk=reserve_item.pk)
    variants = list(item.variants.all())
    item.pk, item.id = None, None
    item._state.adding = True
    item.title = (_("【声明】%(t)s") % {"t": incident.title})[:120]
    item.is_reserve, item.status, item.created_by, item.owner = False, "draft", by, by
    item.save()
    audit.record(
        actor=by,
        action="content.create",
        target=item,
        changes={"title": [None, item.title], "from_reserve": [None, reserve_item.title]},
    )
    for variant in variants:
        variant.pk, variant.id, variant.item = None, None, item
        variant._state.adding = True
        variant.status, variant.published_at, variant.published_url, variant.owner = (
            "draft",
            None,
            "",
            by,
        )
        variant.save()
    run = review.submit_item(item, by=by, urgent=True)
    incident.statement_item_id = item.pk
    incident.save(update_fields=["statement_item_id", "updated_at"])
    _event(incident, Step.HANDLE, _("声明已起草并加急送审：%(t)s") % {"t": item.title}, by)
    audit.record(actor=by, action="incident.statement", target=incident, changes={"statement": [None, item.title], "review_run": [None, run.pk]})  # fmt: skip
    return item


@transaction.atomic
def close(incident: Incident, *, lessons: str, follow_ups: str, by: Any, statement_at: dt.datetime | None = None) -> Incident:  # fmt: skip
    """Close with the 复盘: lessons and actions; the peak is the busiest hour of its mentions."""
    require_manage(by, incident.organisation_id)
    if not lessons.strip():
        raise ValidationError({"lessons": _("请填写复盘结论")})
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    now = timezone.now()
    incident.state, incident.step, incident.closed_at = Incident.State.CLOSED, Step.REVIEW, now
    incident.lessons, incident.follow_ups = lessons.strip(), follow_ups.strip()
    incident.statement_at = statement_at or incident.statement_at
    if incident.term_id:
        peak = TermCount.objects.filter(term_id=incident.term_id, hour__gte=_hour(incident.first_mention_at or incident.detected_at)).order_by("-total").first()  # fmt: skip
        incident.peak_at = peak.hour if peak else None
    incident.save()
    _event(incident, Step.REVIEW, _("关闭并复盘"), by, now)
    audit.record(actor=by, action="incident.close", target=incident, changes={"state": ["处置中", "已关闭"], "lessons": [None, lessons[:200]]})  # fmt: skip
    return incident


@transaction.atomic
def link_message(incident: Incident, message: Message, *, by: Any) -> None:
    require_manage(by, incident.organisation_id)
    if message.organisation_id != incident.organisation_id:
        raise ValidationError({"message": _("消息不属于该组织")})
    incident.messages.add(message)
    audit.record(actor=by, action="incident.link", target=incident, changes={"message": [None, message.pk]})  # fmt: skip


# --- inbox messages feed the watch --------------------------------------------------------------


def after_messages(organisation: Organisation, messages: Sequence[Message]) -> None:
    """Inbox messages naming a watch term with a red keyword are signals too."""
    watched = [m for m in messages if m.watch_terms]
    if not watched:
        return
    red = red_words(organisation.pk)
    terms = {t.term: t for t in WatchTerm.objects.filter(organisation=organisation, term__in={t for m in watched for t in m.watch_terms})}  # fmt: skip
    for m in watched:
        hit = rules.red_keywords_in(m.text, red)
        term = terms.get(m.watch_terms[0])
        if hit and term is not None:
            detail = _("互动消息中「%(t)s」出现红色关键词：%(w)s") % {
                "t": term.term,
                "w": "、".join(hit),
            }
            raise_signal(organisation, Signal.Kind.RED, term, detail, 1, f"msg:{m.pk}", m.received_at, message=m)  # fmt: skip


# --- periodic spike pass ------------------------------------------------------------------------


def spike_pass(now: dt.datetime) -> int:
    """One pass over every active watch term: last hour vs the same hour's 7-day median."""
    raised = 0
    hour = _hour(now)
    for org_id in WatchTerm.objects.filter(is_active=True).values_list("organisation_id", flat=True).distinct():  # fmt: skip
        cfg = settings_of(org_id)
        days = [hour - dt.timedelta(days=d) for d in range(1, cfg.baseline_days + 1)]
        counts: dict[int, dict[dt.datetime, int]] = {}
        for term_id, at, total in TermCount.objects.filter(term__organisation_id=org_id, term__is_active=True, hour__in=[hour, *days]).values_list("term_id", "hour", "total"):  # fmt: skip
            counts.setdefault(term_id, {})[at] = total
        for term_id, by_hour in counts.items():
            current = by_hour.get(hour, 0)
            baseline = [by_hour.get(d, 0) for d in days]
            if rules.is_spike(
                current, baseline, factor=cfg.spike_factor, min_count=cfg.spike_min_count
            ):
                term = WatchTerm.objects.get(pk=term_id)
                detail = _("「%(t)s」本小时 %(n)s 条，超过近 %(d)s 天同时段中位数的 %(f)s 倍") % {"t": term.term, "n": current, "d": cfg.baseline_days, "f": cfg.spike_factor}  # fmt: skip
                if raise_signal(term.organisation, Signal.Kind.SPIKE, term, detail, current, f"spike:{term_id}:{hour.isoformat()}", now):  # fmt: skip
                    raised += 1
    return raised
