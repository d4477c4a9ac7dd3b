"""Inbox writes: ingestion (sentiment, lead detection, watch terms, SLA, suggestions,
assignment), status, assignment, notes, tags, replies (compliance-checked, optional
approval), 转线索, sentiment corrections, saved views. Each write is audited."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, inserts, scopes
from mediadesk.engagement import library, perms, rules, senders, sentiment
from mediadesk.engagement.models import (
    OPEN_STATUSES,
    ApprovalRule,
    AssignmentRule,
    Correction,
    Kind,
    LexiconTerm,
    Message,
    Note,
    Reply,
    ReplyVariable,
    SavedView,
    ServiceSeat,
    SlaPolicy,
    Status,
    WatchTerm,
)
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import Organisation, Project

audit.register_actions(
    {
        "message.receive": gettext_lazy("收到互动消息"),
        "message.assign": gettext_lazy("分配互动消息"),
        "message.status": gettext_lazy("变更互动消息状态"),
        "message.note": gettext_lazy("添加内部备注"),
        "message.tags": gettext_lazy("修改消息标签"),
        "message.reply": gettext_lazy("回复互动消息"),
        "message.reply_approve": gettext_lazy("审批通过回复"),
        "message.reply_reject": gettext_lazy("驳回回复"),
        "message.lead": gettext_lazy("互动消息转线索"),
        "message.correct": gettext_lazy("校正情感"),
        "message.sla_breach": gettext_lazy("互动消息回复超时"),
        "message.sla_escalate": gettext_lazy("互动消息超时升级"),
        "message.delete": gettext_lazy("删除互动消息"),
        "lexicon_term.save": gettext_lazy("保存领域情感词"),
    }
)

MAX_TEXT = 10_000
MAX_BATCH = 500


# --- ingestion ---------------------------------------------------------------------------


@dataclass
class Incoming:
    """One message as a source hands it over (API, webhook, import, paste box)."""

    platform: str
    kind: str
    external_id: str
    text: str
    received_at: dt.datetime
    account_id: int | None = None
    post_url: str = ""
    author_id: str = ""
    author_name: str = ""
    author_followers: int | None = None
    parent_external_id: str = ""
    thread_key: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def storable(text: str) -> str:
    """Text any database stores: no NUL, no lone surrogates (a webhook body may hold both)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def validate(item: Incoming, *, platforms: dict[str, Platform], accounts: dict[int, Account]) -> dict[str, str]:  # fmt: skip
    """Field errors of one incoming message (empty when it may be stored)."""
    errors: dict[str, str] = {}
    item.text, item.author_name, item.author_id = map(storable, (item.text, item.author_name, item.author_id))  # fmt: skip
    item.external_id, item.thread_key, item.post_url = map(storable, (item.external_id.strip(), item.thread_key, item.post_url))  # fmt: skip
    if item.platform not in platforms:
        errors["platform"] = _("未知平台：%(p)s") % {"p": item.platform}
    if item.kind not in Kind.values:
        errors["kind"] = _("类型须为 %(k)s 之一") % {"k": ", ".join(Kind.values)}
    if not item.external_id.strip() or len(item.external_id) > 128:
        errors["external_id"] = _("平台消息ID 必填，最长 128 个字符")
    if not item.text.strip():
        errors["text"] = _("内容不能为空")
    elif len(item.text) > MAX_TEXT:
        errors["text"] = _("内容超过 %(n)s 个字符") % {"n": MAX_TEXT}
    if item.account_id is not None and item.account_id not in accounts:
        errors["account"] = _("账号不存在或不属于本组织")
    if timezone.is_naive(item.received_at):
        item.received_at = timezone.make_aware(item.received_at)
    if item.received_at > timezone.now() + dt.timedelta(minutes=5):
        errors["received_at"] = _("时间不能晚于当前时间")
    return errors


def lexicon_domain(organisation_id: int) -> tuple[Any, dict[str, tuple[float, str]]]:
    """The organisation's lexicon stamp and its domain words (shipped defaults + its own)."""
    rows = LexiconTerm.objects.filter(organisation_id=organisation_id)
    stamp = (organisation_id, *rows.aggregate(n=Count("id"), m=Max("id"), w=Sum("weight")).values())
    domain = dict(sentiment.DOMAIN_DEFAULTS)
    for word, weight, category, active in rows.values_list(
        "word", "weight", "category", "is_active"
    ):
        if active:
            domain[word] = (weight, category)
        else:
            domain.pop(word, None)
    return stamp, domain


def engine(organisation_id: int) -> sentiment.Engine:
    """The sentiment engine with the organisation's domain lexicon."""
    stamp, domain = lexicon_domain(organisation_id)
    return sentiment.engine_for(stamp, domain)


def sla_minutes(organisation_id: int) -> dict[tuple[str, str], SlaPolicy]:
    return {(p.platform_code, p.kind): p for p in SlaPolicy.objects.filter(organisation_id=organisation_id)}  # fmt: skip


def due_for(
    policies: dict[tuple[str, str], SlaPolicy], platform: str, kind: str, received: dt.datetime
) -> dt.datetime:
    """The first-response deadline from the most specific policy (or the seed's defaults)."""
    policy = next(
        (policies[k] for k in ((platform, kind), (platform, ""), ("", kind), ("", "")) if k in policies),
        None,
    )  # fmt: skip
    if policy is None:
        return rules.due_at(received, rules.default_minutes(platform, kind))
    hours = None
    if policy.business_hours and policy.day_starts and policy.day_ends:
        hours = (policy.day_starts, policy.day_ends)
    local = timezone.localtime(received)
    return rules.due_at(local, policy.minutes, hours)


def watch_matches(organisation_id: int) -> list[tuple[str, int]]:
    return list(
        WatchTerm.objects.filter(organisation_id=organisation_id, is_active=True).values_list(
            "term", "id"
        )
    )


class WatchList:
    """Active watch terms matched by one Aho-Corasick pass over a message (instead of one
    substring search per term); the matches come in the order of `terms`."""

    def __init__(self, terms: tuple[str, ...]) -> None:
        self.terms = terms
        self.automaton: Any = None
        self.always = {""} & set(terms)  # an empty term is in every text
        if set(terms) - self.always:
            self.automaton = ahocorasick.Automaton()
            for term in set(terms) - self.always:
                self.automaton.add_word(term, term)
            self.automaton.make_automaton()

    def matches(self, text: str) -> list[str]:
        found = set(self.always)
        if self.automaton is not None:
            found.update(term for _end, term in self.automaton.iter(text))
        return [t for t in self.terms if t in found] if found else []


@functools.lru_cache(maxsize=64)
def watch_list(terms: tuple[str, ...]) -> WatchList:
    """The matcher for a list of terms, built once per distinct list (per process)."""
    return WatchList(terms)


def require_ingest(by: Any, organisation: Organisation) -> None:
    if by is None:
        return
    if by.organisation_id != organisation.pk or not scopes.has_perm(by, perms.INGEST):
        raise PermissionDenied(_("没有接入互动消息的权限"))


@transaction.atomic
def ingest(
    organisation: Organisation, items: Sequence[Incoming], *, by: Any = None
) -> list[tuple[Message, bool]]:
    """Store new messages (idempotent on platform + external id) with sentiment, lead
    detection, watch terms, SLA due time, suggestions and an assignee. All or nothing:
    if any item is invalid, ValidationError lists every bad item and nothing is written."""
    require_ingest(by, organisation)
    if len(items) > MAX_BATCH:
        raise ValidationError({"items": _("一次最多 %(n)s 条") % {"n": MAX_BATCH}})
    platforms = {p.code: p for p in Platform.objects.all()}
    account_ids = {i.account_id for i in items if i.account_id}
    accounts = {
        a.pk: a for a in Account.objects.filter(organisation=organisation, pk__in=account_ids)
    }
    bad = [(n, validate(i, platforms=platforms, accounts=accounts)) for n, i in enumerate(items)]
    bad = [(n, e) for n, e in bad if e]
    if bad:
        raise ValidationError(
            [f"{_('第 %(n)s 条') % {'n': n + 1}} {k}: {v}" for n, e in bad for k, v in e.items()]
        )
    return _store(organisation, items, platforms, accounts, by)


def _existing(organisation: Organisation, keys: Iterable[tuple[Platform, str]]) -> dict[tuple[int, str], Message]:  # fmt: skip
    """Stored messages by (platform id, external id). One query per platform: each is a
    range of the (organisation, platform, external_id) unique index. (Without ANALYZE
    statistics, an OR of the platforms and the model's ordering by received_at made SQLite
    walk all the organisation's messages by its received_at index instead.)"""
    wanted: dict[int, tuple[Platform, set[str]]] = {}
    for platform, external_id in keys:
        wanted.setdefault(platform.pk, (platform, set()))[1].add(external_id)
    found: dict[tuple[int, str], Message] = {}
    for platform, ids in wanted.values():
        rows = Message.objects.filter(organisation=organisation, platform=platform, external_id__in=ids).order_by()  # fmt: skip
        found.update({(m.platform_id, m.external_id): m for m in rows})
    return found


def _store(
    organisation: Organisation,
    items: Sequence[Incoming],
    platforms: dict[str, Platform],
    accounts: dict[int, Account],
    by: Any,
) -> list[tuple[Message, bool]]:
    known = _existing(organisation, [(platforms[i.platform], i.external_id) for i in items])
    batch = BatchContext(organisation)
    router = Router(organisation)
    fresh: list[Message] = []
    out: list[tuple[Message, bool]] = []
    seen: dict[tuple[int, str], Message] = {}
    for item in items:
        platform = platforms[item.platform]
        key = (platform.pk, item.external_id)
        if key in known or key in seen:
            out.append((known.get(key) or seen[key], False))
            continue
        message = _build(organisation, item, platform, accounts.get(item.account_id or 0), batch)  # fmt: skip
        message.assignee_id = router.pick(message)
        seen[key] = message
        fresh.append(message)
        out.append((message, True))
    router.save()
    raced = _write(organisation, fresh)
    if raced:
        fresh = [m for m in fresh if m.pk is not None]
        out = [(raced.get((m.platform_id, m.external_id), m), c and m.pk is not None) for m, c in out]  # fmt: skip
    _link_parents(organisation, fresh, items, platforms)
    _audit_received(fresh, by)
    if fresh:
        from mediadesk.engagement import opinion

        opinion.after_messages(organisation, fresh)
    return out


MESSAGE_FIELDS = [f for f in Message._meta.concrete_fields if not f.primary_key]
MESSAGE_KEY = ("organisation_id", "platform_id", "external_id")


def _write(organisation: Organisation, fresh: list[Message]) -> dict[tuple[int, str], Message]:
    """Insert the new messages; returns the rows another batch stored meanwhile (PostgreSQL:
    a concurrent batch with the same ids), whose messages keep no pk and are not written."""
    if not fresh:
        return {}
    if not inserts.can_return():
        Message.objects.bulk_create(fresh)  # the ORM path (databases without RETURNING)
        return {}
    now = timezone.now()
    rows = []
    for m in fresh:
        m.created_at = m.updated_at = now
        rows.append([getattr(m, f.attname) for f in MESSAGE_FIELDS])
    got = inserts.insert_rows(Message, MESSAGE_FIELDS, rows, returning=("id", "platform_id", "external_id"), conflict=MESSAGE_KEY)  # fmt: skip
    ids = {(platform, external): pk for pk, platform, external in got}
    for m in fresh:
        m.pk = ids.get((m.platform_id, m.external_id))
        m._state.adding, m._state.db = m.pk is None, "default"
    missing = [(m.platform, m.external_id) for m in fresh if m.pk is None]
    return _existing(organisation, missing) if missing else {}


class BatchContext:
    """What every message of one batch is computed against, read once per batch: the
    sentiment engine, SLA policies, watch terms, the reply suggester, post URLs → variants."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.engine = engine(organisation.pk)
        self.policies = sla_minutes(organisation.pk)
        self.watch = watch_list(tuple(t for t, _id in watch_matches(organisation.pk)))
        self.suggester = library.suggester(organisation.pk)
        self.variants: dict[tuple[int, str], int | None] = {}

    def variant(self, platform: Platform, url: str) -> int | None:
        key = (platform.pk, url)
        if key not in self.variants:
            self.variants[key] = _variant_for(self.organisation, platform, url)
        return self.variants[key]


def _build(
    organisation: Organisation,
    item: Incoming,
    platform: Platform,
    account: Account | None,
    batch: BatchContext,
) -> Message:
    result = batch.engine.analyse(item.text)
    reasons = rules.lead_reasons(item.text)
    return Message(
        organisation=organisation, platform=platform, account=account,
        company_id=account.company_id if account else None,
        project_id=account.project_id if account else None,
        variant_id=batch.variant(platform, item.post_url), post_url=item.post_url[:500], kind=item.kind,
        external_id=item.external_id.strip(), thread_key=(item.thread_key or item.external_id)[:160],
        author_id=item.author_id[:128], author_name=item.author_name[:100],
        author_followers=item.author_followers, text=item.text, received_at=item.received_at,
        polarity=result.polarity, score=result.score, sentiment_words=result.words,
        negative_types=result.categories, lead_candidate=bool(reasons), lead_reasons=reasons,
        watch_terms=batch.watch.matches(item.text),
        suggestions=batch.suggester.top(item.text, platform.code),
        due_at=due_for(batch.policies, platform.code, item.kind, item.received_at),
    )  # fmt: skip


def _variant_for(organisation: Organisation, platform: Platform, url: str) -> int | None:
    if not url:
        return None
    from mediadesk.content.models import Variant

    return (
        Variant.objects.filter(organisation=organisation, platform=platform, published_url=url)
        .values_list("pk", flat=True)
        .first()
    )


def _link_parents(organisation: Organisation, fresh: list[Message], items: Sequence[Incoming], platforms: dict[str, Platform]) -> None:  # fmt: skip
    """Point replies at their parent message on the same platform (stored before or in this
    batch): one lookup per platform on the unique index, one UPDATE per parent."""
    wanted = {(platforms[i.platform].pk, i.external_id): i.parent_external_id for i in items if i.parent_external_id}  # fmt: skip
    if not wanted:
        return
    per_platform: dict[int, set[str]] = {}
    for (platform_id, _external_id), parent_external_id in wanted.items():
        per_platform.setdefault(platform_id, set()).add(parent_external_id)
    parents: dict[tuple[int, str], int] = {}
    for platform_id, ids in per_platform.items():
        rows = Message.objects.filter(organisation=organisation, platform_id=platform_id, external_id__in=ids)  # fmt: skip
        parents.update({(platform_id, e): pk for e, pk in rows.order_by().values_list("external_id", "pk")})  # fmt: skip
    children: dict[int, list[int]] = {}
    for m in fresh:
        parent = parents.get((m.platform_id, wanted.get((m.platform_id, m.external_id), "")))
        if parent:
            children.setdefault(parent, []).append(m.pk)
    for parent, pks in children.items():
        Message.objects.filter(pk__in=pks).update(parent_id=parent)


def _audit_received(fresh: list[Message], by: Any) -> None:
    audit.record_many(
        actor=by if getattr(by, "pk", None) else "消息接入",
        action="message.receive",
        entries=[(m, {"status": [None, "新消息"], "polarity": [None, m.polarity]}) for m in fresh],
        label=lambda m: m.text,
    )


# --- assignment -----------------------------------------------------------------------------


class Router:
    """Picks an assignee: account/keyword rules first, then round-robin among on-duty seats."""

    def __init__(self, organisation: Organisation) -> None:
        self.rules = list(
            AssignmentRule.objects.filter(organisation=organisation, is_active=True).order_by("sort", "id")
        )  # fmt: skip
        self.seats = list(
            ServiceSeat.objects.select_for_update(of=("self",))
            .filter(organisation=organisation, on_duty=True, user__is_active=True)
            .order_by("last_assigned_at", "id")
        )
        self.started = timezone.now()
        self.picks = 0
        self.touched: dict[int, ServiceSeat] = {}

    def pick(self, message: Message) -> int | None:
        for rule in self.rules:
            if rule.account_id and rule.account_id != message.account_id:
                continue
            if rule.keyword and rule.keyword not in message.text:
                continue
            return rule.assignee_id
        if not self.seats:
            return None
        seat = self.seats.pop(0)
        # Strictly increasing times keep the round-robin order across batches; the seats are
        # written back once per batch (`save`), not once per message.
        self.picks += 1
        seat.last_assigned_at = self.started + dt.timedelta(microseconds=self.picks)
        self.touched[seat.pk] = seat
        self.seats.append(seat)
        return seat.user_id

    def save(self) -> None:
        """Write the seats' last-assigned times in one statement."""
        if self.touched:
            ServiceSeat.objects.bulk_update(list(self.touched.values()), ["last_assigned_at"])
            self.touched.clear()


def locked(message: Message) -> Message:
    return Message.objects.select_for_update().get(pk=message.pk)


def require(by: Any, perm: str, message: Message) -> None:
    if not scopes.allows(by, perm, message, shared=True):
        raise PermissionDenied(_("没有权限处理这条消息"))


@transaction.atomic
def assign(message: Message, *, to: Any, by: Any) -> Message:
    """Give a message to a person (self-assignment needs HANDLE, others ASSIGN)."""
    require(by, perms.ASSIGN if to != by else perms.HANDLE, message)
    if to is not None and (to.organisation_id != message.organisation_id or not scopes.allows(to, perms.HANDLE, message, shared=True)):  # fmt: skip
        raise ValidationError({"user": _("该用户不能处理这条消息")})
    message = locked(message)
    before = str(message.assignee or "")
    message.assignee = to
    if message.status == Status.NEW and to is not None:
        message.status = Status.IN_PROGRESS
    message.save(update_fields=["assignee", "status", "updated_at"])
    audit.record(actor=by, action="message.assign", target=message, changes={"assignee": [before, str(to or "")]})  # fmt: skip
    return message


@transaction.atomic
def set_status(message: Message, *, status: str, by: Any, reason: str = "") -> Message:
    """Move a message to 处理中, 已关闭, 无需回复 or 垃圾 (已回复 comes from a reply)."""
    require(by, perms.HANDLE, message)
    if status not in Status.values or status == Status.REPLIED:
        raise ValidationError({"status": _("不能手动设为该状态")})
    message = locked(message)
    if status == Status.SPAM and message.effective_polarity == "negative" and not reason.strip():
        # Negative comments are never hidden to mislead (网络直播营销管理办法): say why.
        raise ValidationError({"reason": _("负面消息标为垃圾须填写原因")})
    before = message.get_status_display()
    message.status = status
    message.save(update_fields=["status", "updated_at"])
    audit.record(actor=by, action="message.status", target=message, changes={"status": [before, message.get_status_display()], "reason": [None, reason or None]})  # fmt: skip
    return message


@transaction.atomic
def add_note(message: Message, *, text: str, by: Any) -> Note:
    """An internal note (audited; never sent)."""
    require(by, perms.HANDLE, message)
    if not text.strip():
        raise ValidationError({"text": _("备注不能为空")})
    note = Note.objects.create(message=message, author=by, text=text.strip()[:2000])
    audit.record(actor=by, action="message.note", target=message, changes={"note": [None, note.text[:200]]})  # fmt: skip
    return note


def clean_tags(raw: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t.strip()[:20] for t in raw if t and t.strip()))[:20]


@transaction.atomic
def set_tags(message: Message, *, tags: Iterable[str], by: Any) -> Message:
    require(by, perms.HANDLE, message)
    message = locked(message)
    before = list(message.tags)
    message.tags = clean_tags(tags)
    message.save(update_fields=["tags", "updated_at"])
    audit.record(actor=by, action="message.tags", target=message, changes={"tags": [before, message.tags]})  # fmt: skip
    return message


BULK_ACTIONS = ("assign", "close", "no_reply", "spam", "in_progress", "tag")


def bulk(
    messages: Sequence[Message],
    *,
    action: str,
    by: Any,
    to: Any = None,
    tag: str = "",
    reason: str = "",
) -> int:
    """Apply one action to many messages (each its own audited service call)."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _("未知的批量操作")})
    done = 0
    for message in messages:
        if action == "assign":
            assign(message, to=to, by=by)
        elif action == "tag":
            set_tags(message, tags=[*message.tags, tag], by=by)
        else:
            status = {"close": Status.CLOSED}.get(action, action)
            set_status(message, status=status, by=by, reason=reason)
        done += 1
    return done


# --- replies --------------------------------------------------------------------------------


class Refused(ValidationError):
    """A reply stopped by the compliance checker; `findings` lists the `block` hits."""

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        words = "、".join(f["term"] for f in findings if f.get("severity") == "block")
        super().__init__({"text": _("回复含违规用语：%(w)s") % {"w": words}})
        self.findings = findings


def check_reply(message: Message, text: str) -> list[dict[str, Any]]:
    """Compliance findings of a reply; raises Refused on a `block` finding, or on length."""
    from mediadesk.compliance import services as compliance

    if not text.strip():
        raise ValidationError({"text": _("回复内容不能为空")})
    if not rules.fits(message.platform.code, text):
        limit = rules.PLATFORM_REPLY_LIMITS[message.platform.code]
        raise ValidationError({"text": _("超过平台回复字数上限（%(n)s 字）") % {"n": limit}})
    findings = compliance.check_text(text, organisation=message.organisation_id)
    rows = [f.as_dict() for f in findings]
    if compliance.has_block(findings):
        raise Refused(rows)
    return rows


def needs_approval(message: Message) -> bool:
    """True when an active approval rule covers the message's account and sentiment."""
    for rule in ApprovalRule.objects.filter(
        organisation_id=message.organisation_id, is_active=True
    ):
        if rule.account_id and rule.account_id != message.account_id:
            continue
        if rule.polarity and rule.polarity != message.effective_polarity:
            continue
        return True
    return False


def reply_values(message: Message) -> dict[str, str]:
    """Values for `{变量}`: 项目名 from the message's project, then organisation-wide and
    project-specific variables (售楼处电话, 活动时间 …)."""
    rows = ReplyVariable.objects.filter(organisation_id=message.organisation_id).filter(
        Q(project=None) | Q(project_id=message.project_id)
    )
    ordered = sorted(
        rows.values_list("project_id", "name", "value"), key=lambda r: r[0] is not None
    )
    values = {name: value for p, name, value in ordered if p is None}
    if message.project_id:
        values["项目名"] = Project.objects.get(pk=message.project_id).name
    values.update({name: value for p, name, value in ordered if p is not None})
    return values


@transaction.atomic
def reply(
    message: Message, *, by: Any, text: str = "", standard_reply_id: int | None = None,
    confirmed: bool = True,
) -> Reply:  # fmt: skip
    """Reply to a message: compliance check (block stops it), approval when a rule asks,
    then the platform's sender if one is plugged in, else recorded as replied on the
    platform by hand (copy + 已在平台回复)."""
    require(by, perms.HANDLE, message)
    standard = None
    if standard_reply_id is not None:
        standard = library.usable(message, standard_reply_id)
        text, missing = rules.render(text or standard.text, reply_values(message))
        if missing:
            raise ValidationError({"text": _("请先填写变量：%(v)s") % {"v": "、".join(missing)}})
    findings = check_reply(message, text)
    message = locked(message)
    row = Reply(
        message=message, text=text.strip(), standard_reply=standard, by=by, findings=findings
    )
    if needs_approval(message) and not scopes.allows(by, perms.APPROVE, message, shared=True):
        row.state = Reply.State.PENDING
        row.save()
        _mark(message, Status.IN_PROGRESS)
        audit.record(actor=by, action="message.reply", target=message, changes={"reply": [None, row.text[:200]], "state": [None, "待审批"]})  # fmt: skip
        return row
    return _deliver(message, row, by=by, standard=standard)


def _deliver(message: Message, row: Reply, *, by: Any, standard: Any) -> Reply:
    sender = senders.sender_for(message)
    now = timezone.now()
    if sender is None:
        row.state = Reply.State.MANUAL
    else:
        outcome = sender.send(message, row.text)
        row.state = Reply.State.SENT if outcome.ok else Reply.State.FAILED
        row.platform_reply_id, row.error = outcome.platform_reply_id, outcome.error[:300]
    row.sent_at = now if row.state != Reply.State.FAILED else None
    row.save()
    if row.state != Reply.State.FAILED:
        _replied(message, by, now)
        if standard is not None:
            library.count_use(standard, now)
    audit.record(actor=by, action="message.reply", target=message, changes={"reply": [None, row.text[:200]], "state": [None, row.get_state_display()], "platform_reply_id": [None, row.platform_reply_id or None]})  # fmt: skip
    return row


def _mark(message: Message, status: str) -> None:
    if message.status in OPEN_STATUSES:
        message.status = status
        message.save(update_fields=["status", "updated_at"])


def _replied(message: Message, by: Any, now: dt.datetime) -> None:
    message.status = Status.REPLIED
    fields = ["status", "updated_at"]
    if message.first_response_at is None:
        message.first_response_at, message.first_responder = now, by
        fields += ["first_response_at", "first_responder"]
    if message.assignee_id is None:
        message.assignee = by
        fields.append("assignee")
    message.save(update_fields=fields)


@transaction.atomic
def decide_reply(row: Reply, *, by: Any, approve: bool, comment: str = "") -> Reply:
    """Approve (then deliver) or reject a held reply; the author may not approve their own."""
    require(by, perms.APPROVE, row.message)
    row = Reply.objects.select_for_update().get(pk=row.pk)
    if row.state != Reply.State.PENDING:
        raise ValidationError({"state": _("该回复不在待审批状态")})
    if row.by_id == by.pk:
        raise PermissionDenied(_("不能审批自己提交的回复"))
    row.approved_by = by
    message = locked(row.message)
    if not approve:
        row.state, row.error = Reply.State.REJECTED, comment[:300]
        row.save()
        audit.record(actor=by, action="message.reply_reject", target=message, changes={"comment": [None, comment]})  # fmt: skip
        return row
    audit.record(actor=by, action="message.reply_approve", target=message, changes={"reply": [None, row.text[:200]]})  # fmt: skip
    return _deliver(message, row, by=row.by, standard=row.standard_reply)


# --- 转线索 ----------------------------------------------------------------------------------


def lead_source(message: Message) -> str:
    """评论 for comments and mentions, 私信 for private and 公众号 messages."""
    private = message.kind in (Kind.PRIVATE_MESSAGE, Kind.OFFICIAL_MESSAGE)
    return "private_message" if private else "comment"


@transaction.atomic
def to_lead(message: Message, *, project: Project, by: Any, phone: str = "", name: str = "") -> Any:
    """Capture a lead from the message (its phone, source 评论/私信, the post) — no re-keying."""
    from mediadesk.leads import services as leads

    require(by, perms.HANDLE, message)
    if project.organisation_id != message.organisation_id:
        raise ValidationError({"project": _("项目不属于该组织")})
    phone = phone or next(iter(rules.phones_in(message.text)), "")
    if not phone:
        raise ValidationError({"phone": _("消息中没有手机号，请填写")})
    variant = message.variant
    touch = leads.capture_lead(
        organisation=message.organisation, project=project, phone=phone, source=lead_source(message),
        by=by, name=name or message.author_name, account=message.account, variant=variant,
        content_item=variant.item if variant else None, captured_at=message.received_at,
        at_from_record=True,
        note=_("来自%(p)s%(k)s：%(t)s") % {"p": message.platform.name, "k": message.get_kind_display(), "t": message.text[:150]},
    )  # fmt: skip
    message = locked(message)
    message.lead_touch_id = touch.pk
    message.lead_candidate = True
    message.save(update_fields=["lead_touch_id", "lead_candidate", "updated_at"])
    audit.record(actor=by, action="message.lead", target=message, changes={"lead": [None, touch.pk], "project": [None, project.name]})  # fmt: skip
    return touch


# --- sentiment corrections and lexicon ------------------------------------------------------


@transaction.atomic
def correct(message: Message, *, polarity: str, by: Any) -> Correction:
    """Record a person's label for a message (kept; the engine's label stays for measuring)."""
    require(by, perms.HANDLE, message)
    if polarity not in ("positive", "neutral", "negative"):
        raise ValidationError({"polarity": _("情感须为 positive、neutral 或 negative")})
    message = locked(message)
    before = message.effective_polarity
    message.corrected_polarity = polarity
    message.save(update_fields=["corrected_polarity", "updated_at"])
    row = Correction.objects.create(
        organisation_id=message.organisation_id, message=message,
        engine_polarity=message.polarity, polarity=polarity, by=by,
    )  # fmt: skip
    audit.record(actor=by, action="message.correct", target=message, changes={"polarity": [before, polarity]})  # fmt: skip
    return row


@transaction.atomic
def save_term(organisation: Organisation, *, word: str, weight: float, category: str, by: Any, active: bool = True) -> LexiconTerm:  # fmt: skip
    """Add or change a domain lexicon word (e.g. promoted from corrections)."""
    if not scopes.has_perm(by, perms.LEXICON) or by.organisation_id != organisation.pk:
        raise PermissionDenied(_("没有管理情感词典的权限"))
    word = word.strip()
    if not word or len(word) > 20:
        raise ValidationError({"word": _("词语必填，最长 20 个字")})
    if not -5 <= weight <= 5:
        raise ValidationError({"weight": _("权重须在 -5 到 5 之间")})
    term, _created = LexiconTerm.objects.update_or_create(
        organisation=organisation, word=word,
        defaults={"weight": weight, "category": category.strip()[:20], "is_active": active},
    )  # fmt: skip
    audit.record(actor=by, action="lexicon_term.save", target=term, changes={"word": [None, word], "weight": [None, weight]}, label=word)  # fmt: skip
    return term


# --- saved views ----------------------------------------------------------------------------


def save_view(*, user: Any, name: str, query: str) -> SavedView:
    if not name.strip():
        raise ValidationError({"name": _("请填写视图名称")})
    view, _created = SavedView.objects.update_or_create(
        user=user, name=name.strip()[:40], defaults={"query": query[:500]}
    )
    return view
