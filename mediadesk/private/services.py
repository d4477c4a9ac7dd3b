"""Members: identity resolution, event ingestion, lifecycle, merge, erasure."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit
from mediadesk.core.errors import Conflict
from mediadesk.core.phone import normalise
from mediadesk.leads.models import Customer, Deal, FollowUp, Touch, Visit
from mediadesk.orgs.models import Organisation
from mediadesk.private import rules
from mediadesk.private.models import (
    ActivitySignup,
    BenefitGrant,
    Consent,
    Event,
    GroupMembership,
    Identity,
    LifecycleRules,
    Member,
    MergeProposal,
    StageChange,
    WakeUpPlan,
    WeComFollow,
    WeComSettings,
)

audit.register_actions(
    {
        "private.merge": gettext_lazy("合并私域用户"),
        "private.merge_undo": gettext_lazy("撤销合并私域用户"),
        "private.merge_refuse": gettext_lazy("拒绝合并建议"),
        "private.erase": gettext_lazy("删除私域用户个人信息"),
        "private.reveal": gettext_lazy("查看私域用户全号"),
        "private.export": gettext_lazy("导出私域用户"),
        "private.import": gettext_lazy("导入私域用户"),
        "private.tags": gettext_lazy("修改私域用户标签"),
        "private.segment_create": gettext_lazy("新建私域分组"),
        "private.mass_create": gettext_lazy("创建群发"),
        "private.mass_remind": gettext_lazy("提醒员工群发"),
        "private.wecom_churn": gettext_lazy("客户删除企业微信好友"),
        "private.wecom_removed": gettext_lazy("员工删除企业微信客户"),
        "private.welcome": gettext_lazy("发送欢迎语"),
        "private.consent": gettext_lazy("记录授权"),
        "private.rules": gettext_lazy("修改生命周期规则"),
        "private.stage_content": gettext_lazy("标记阶段内容"),
        "private.benefit": gettext_lazy("发放活跃福利"),
        "private.benefit_tier": gettext_lazy("新建福利等级"),
        "private.wecom_settings": gettext_lazy("修改企业微信设置"),
        "private.wakeup_create": gettext_lazy("新建唤醒计划"),
        "private.activity_create": gettext_lazy("新建社群活动"),
        "private.signup": gettext_lazy("社群活动报名"),
        "private.attend": gettext_lazy("社群活动签到"),
    }
)


def resolve(org: Organisation, *, unionid: str = "", phone: str = "", openid: str = "") -> Member:
    """The member for these ids: by unionid, then phone, then openid; else a new one."""
    phone = normalise(phone)
    member = None
    if unionid:
        member = Member.objects.filter(organisation=org, unionid=unionid).first()
    if member is None and phone:
        member = Member.objects.filter(organisation=org, phone=phone, merged_into=None).first()
    if member is None and openid:
        ident = Identity.objects.filter(organisation=org, kind="openid", value=openid).first()
        member = ident.member if ident else None
    if member is None:
        customer = Customer.objects.filter(organisation=org, phone=phone).first() if phone else None
        member = Member.objects.create(
            organisation=org,
            unionid=unionid,
            phone=phone,
            customer=customer,
            name=customer.name if customer else "",
            anonymous=not (unionid or phone),
        )
    _attach(member, unionid=unionid, phone=phone, openid=openid)
    return member


def _attach(member: Member, *, unionid: str, phone: str, openid: str) -> None:
    changed = False
    if unionid and not member.unionid:
        member.unionid, changed = unionid, True
    if phone and not member.phone:
        member.phone, member.anonymous, changed = phone, False, True
    if changed:
        member.save(update_fields=["unionid", "phone", "anonymous"])
    if openid:
        Identity.objects.get_or_create(
            organisation_id=member.organisation_id,
            kind="openid",
            value=openid,
            defaults={"member": member},
        )


def member_for_customer(customer: Customer) -> Member:
    """The member of a lead customer (created on first sight)."""
    member = resolve(customer.organisation, phone=customer.phone)
    if member.customer_id is None:
        member.customer, member.name = customer, member.name or customer.name
        member.save(update_fields=["customer", "name"])
    if "leads" not in member.sources:
        member.sources = [*member.sources, "leads"]
        member.save(update_fields=["sources"])
    recompute(member, reason_at=timezone.now())
    return member


def rules_for(org_id: int) -> dict[str, object]:
    """The organisation's lifecycle rules (its edits over the defaults)."""
    edited = LifecycleRules.objects.filter(organisation_id=org_id).first()
    return {**rules.DEFAULT_RULES, **(edited.as_rules() if edited else {})}


def _interest(r: dict[str, object]) -> list[str]:
    kinds = r.get("interest_kinds")
    listed = [str(k) for k in kinds] if isinstance(kinds, list) else []
    return [*listed, "activity"]  # attending a community activity is always an interaction


def _ids(item: dict[str, Any]) -> tuple[str, str, str]:
    return (item.get("unionid") or "", normalise(item.get("phone") or ""), item.get("openid") or "")


class _Resolver:
    """Members for a batch of events in a handful of queries (unionid, then phone, then openid)."""

    def __init__(self, org: Organisation, items: list[dict[str, Any]]) -> None:
        self.org = org
        ids = [_ids(i) for i in items]
        unionids = {u for u, _p, _o in ids if u}
        phones = {p for _u, p, _o in ids if p}
        openids = {o for _u, _p, o in ids if o}
        live = Member.objects.filter(organisation=org, merged_into=None)
        self.by_unionid = (
            {m.unionid: m for m in live.filter(unionid__in=unionids)} if unionids else {}
        )
        self.by_phone: dict[str, Member] = {}
        if phones:
            for m in live.filter(phone__in=phones).order_by("-id"):
                self.by_phone[m.phone] = m  # the oldest wins, as in `resolve`
        self.by_openid: dict[str, Member] = {}
        if openids:
            for ident in Identity.objects.filter(
                organisation=org, kind="openid", value__in=openids
            ).select_related("member"):
                self.by_openid[ident.value] = ident.member

    def member(self, unionid: str, phone: str, openid: str) -> Member:
        m = (
            (unionid and self.by_unionid.get(unionid))
            or (phone and self.by_phone.get(phone))
            or (openid and self.by_openid.get(openid))
            or None
        )
        if m is None or (unionid and m.unionid and m.unionid != unionid):
            m = resolve(self.org, unionid=unionid, phone=phone, openid=openid)
        elif (
            (unionid and not m.unionid)
            or (phone and not m.phone)
            or (openid and openid not in self.by_openid)
        ):
            _attach(m, unionid=unionid, phone=phone, openid=openid)
        if unionid:
            self.by_unionid[unionid] = m
        if phone:
            self.by_phone.setdefault(phone, m)
        if openid:
            self.by_openid[openid] = m
        return m


@transaction.atomic
def ingest(org: Organisation, items: list[dict[str, Any]]) -> dict[str, int]:
    """Store events once per event_id (bulk) and restage their members; returns counts.

    Duplicates (already stored, or twice in the batch) are counted, not stored; an event for
    an unknown person creates an anonymous member so nothing is dropped."""
    wanted = [i["event_id"] for i in items]
    seen = set(
        Event.objects.filter(organisation=org, event_id__in=wanted).values_list(
            "event_id", flat=True
        )
    )
    fresh = []
    for item in items:
        if item["event_id"] not in seen:
            seen.add(item["event_id"])
            fresh.append(item)
    resolver = _Resolver(org, fresh)
    members = [resolver.member(*_ids(item)) for item in fresh]
    created = _insert_events(org, fresh, members)
    touched = {m.pk: m for m in members}
    recompute_many(list(touched.values()))
    return {"created": created, "duplicates": len(items) - created}


def _insert_events(org: Organisation, items: list[dict[str, Any]], members: list[Member]) -> int:
    """One prepared INSERT run; an event_id stored meanwhile by a concurrent request is skipped
    by the unique constraint (ON CONFLICT DO NOTHING, SQLite and PostgreSQL alike)."""
    if not items:
        return 0
    ops = connection.ops
    sql = (
        f"INSERT INTO {Event._meta.db_table} "  # noqa: S608 (table name from the model)
        "(organisation_id, member_id, event_id, kind, at, amount_fen, meta) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (organisation_id, event_id) DO NOTHING"
    )
    rows = [
        (org.pk, m.pk, i["event_id"], i["kind"], ops.adapt_datetimefield_value(_aware(i["at"])),
         _fen(i.get("amount")), json.dumps(i.get("meta") or {}, ensure_ascii=False))
        for i, m in zip(items, members, strict=True)
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return max(0, cursor.rowcount)


def _aware(at: datetime) -> datetime:
    """Times without an offset are local (Asia/Shanghai), as everywhere in MediaDesk."""
    return at if timezone.is_aware(at) else timezone.make_aware(at)


def _fen(amount: Any) -> int | None:
    return None if amount is None else round(float(amount) * 100)


def _event_facts(ids: list[int], interest: list[str]) -> dict[int, dict[str, Any]]:
    rows = (
        Event.objects.filter(member_id__in=ids)
        .values("member")
        .annotate(
            purchases=Count("id", filter=Q(kind="purchase")),
            referrals=Count("id", filter=Q(kind="referral")),
            amount=Sum("amount_fen", filter=Q(kind="purchase")),
            interest=Max("kind", filter=Q(kind__in=interest)),
            last=Max("at"),
        )
    )
    return {r["member"]: dict(r) for r in rows}


def _customer_facts(customer_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Deals (not cancelled), the last visit and follow-ups with intent per customer."""
    out: dict[int, dict[str, Any]] = {
        c: {"deals": 0, "visit": None, "intent": False, "live": False, "message": False}
        for c in customer_ids
    }
    if not customer_ids:
        return out
    deals = (
        Deal.objects.filter(customer_id__in=customer_ids)
        .exclude(stage=Deal.Stage.CANCELLED)
        .values("customer")
        .annotate(n=Count("id"))
    )
    for r in deals:
        out[r["customer"]]["deals"] = r["n"]
    visits = (
        Visit.objects.filter(customer_id__in=customer_ids)
        .values("customer")
        .annotate(at=Max("visited_at"))
    )
    for v in visits:
        out[v["customer"]]["visit"] = v["at"]
    intent = FollowUp.objects.filter(opportunity__customer_id__in=customer_ids).exclude(intent="")
    for c in set(intent.values_list("opportunity__customer_id", flat=True)):
        out[c]["intent"] = True
    _touch_facts(customer_ids, out)
    return out


def _touch_facts(customer_ids: list[int], out: dict[int, dict[str, Any]]) -> None:
    """Leads captured in a live session (attendance) and inbox messages that became a lead."""
    from mediadesk.engagement.models import Message

    touches = Touch.objects.filter(customer_id__in=customer_ids)
    for c in set(touches.exclude(live_session=None).values_list("customer_id", flat=True)):
        out[c]["live"] = True
    owner = dict(touches.values_list("pk", "customer_id"))
    messages = Message.objects.filter(lead_touch_id__in=list(owner))
    for t in set(messages.values_list("lead_touch_id", flat=True)):
        if t is not None:
            out[owner[t]]["message"] = True


COMMUNITY_KINDS = ("message", "live_attend", "activity", "group_join", "course_view")


def _active_weeks(ids: list[int], weeks: int) -> dict[int, int]:
    """Members' consecutive weeks (ending this week) with community activity."""
    if not weeks or not ids:
        return {}
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    start = timezone.make_aware(datetime.combine(monday - timedelta(weeks=weeks - 1), time.min))
    rows = Event.objects.filter(
        member_id__in=ids, kind__in=COMMUNITY_KINDS, at__gte=start
    ).values_list("member_id", "at")
    seen: dict[int, set[int]] = {}
    for member_id, at in rows:
        day = timezone.localtime(at).date()
        seen.setdefault(member_id, set()).add(
            (monday - (day - timedelta(days=day.weekday()))).days // 7
        )
    out = {}
    for member_id, back in seen.items():
        run = 0
        while run in back:
            run += 1
        out[member_id] = run
    return out


def facts_many(
    members: list[Member], r: dict[str, object] | None = None
) -> dict[int, tuple[rules.Facts, datetime | None]]:
    """The lifecycle facts and last activity of many members in five grouped queries."""
    r = r or rules.DEFAULT_RULES
    kinds = _interest(r)
    events = _event_facts([m.pk for m in members], kinds)
    weeks = _active_weeks([m.pk for m in members], int(str(r.get("loyal_active_weeks") or 0)))
    customers = _customer_facts([m.customer_id for m in members if m.customer_id])
    out = {}
    for m in members:
        e = events.get(m.pk, {})
        purchases, kind, last = e.get("purchases", 0), e.get("interest") or "", e.get("last")
        c = customers.get(m.customer_id or 0)
        if c:
            purchases += c["deals"]
            if c["visit"]:
                kind = kind or ("到访" if "visit" in kinds else "")
                last = max(filter(None, [last, c["visit"]]))
            if not kind and c["live"] and "live_attend" in kinds:
                kind = "live_attend"
            if not kind and c["message"] and "message" in kinds:
                kind = "message"
            if not kind and c["intent"] and "follow_up_intent" in kinds:
                kind = "跟进有意向"
        facts = rules.Facts(
            purchases=purchases,
            referrals=e.get("referrals", 0),
            interest=kind,
            amount_fen=int(e.get("amount") or 0),
            active_weeks=weeks.get(m.pk, 0),
        )
        out[m.pk] = (facts, last)
    return out


def facts_of(member: Member) -> tuple[rules.Facts, datetime | None]:
    """The lifecycle facts of a member and when they were last active."""
    return facts_many([member])[member.pk]


def recompute_many(members: list[Member], *, reason_at: datetime | None = None) -> int:
    """Restage members from their facts (bulk); each move is written to the stage history."""
    if not members:
        return 0
    at = reason_at or timezone.now()
    by_org: dict[int, list[Member]] = {}
    for m in members:
        by_org.setdefault(m.organisation_id, []).append(m)
    if len(by_org) > 1:
        return sum(recompute_many(group, reason_at=at) for group in by_org.values())
    r = rules_for(members[0].organisation_id)
    facts = facts_many(members, r)
    staged = set(StageChange.objects.filter(member__in=members).values_list("member_id", flat=True))
    changes, moved, dirty = [], 0, []
    for m in members:
        f, last = facts[m.pk]
        stage, reason = rules.stage_for(f, r)
        before = (m.purchases, m.last_active_at, m.stage, m.monetary_fen)
        m.purchases, m.last_active_at = f.purchases, last or m.last_active_at
        m.monetary_fen = f.amount_fen
        up = stage != m.stage and rules.higher(stage, m.stage)
        first = m.pk not in staged
        if up or first:
            changes.append(
                StageChange(
                    member=m,
                    from_stage="" if first else m.stage,
                    to_stage=stage,
                    at=at,
                    reason=reason,
                )
            )
            m.stage, m.stage_since = stage, at
            moved += int(up)
        if (m.purchases, m.last_active_at, m.stage, m.monetary_fen) != before:
            dirty.append(m)
    StageChange.objects.bulk_create(changes, batch_size=1000)
    _save_staging(dirty)
    return moved


def _save_staging(members: list[Member]) -> None:
    """One prepared UPDATE run for many members (Django's bulk_update builds a CASE per field,
    which costs more than the rest of an ingestion batch)."""
    if not members:
        return
    ops = connection.ops
    table = Member._meta.db_table
    sql = (
        f"UPDATE {table} SET purchases = %s, last_active_at = %s, stage = %s, "  # noqa: S608
        "stage_since = %s, monetary_fen = %s WHERE id = %s"
    )
    rows = [
        (m.purchases, ops.adapt_datetimefield_value(m.last_active_at), m.stage,
         ops.adapt_datetimefield_value(m.stage_since), m.monetary_fen, m.pk)
        for m in members
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def recompute(member: Member, *, reason_at: datetime | None = None) -> bool:
    """Restage one member from its facts; a move is written to the stage history."""
    return bool(recompute_many([member], reason_at=reason_at))


def _has_deals(member: Member) -> bool:
    return (
        bool(member.customer_id)
        and Deal.objects.filter(customer_id=member.customer_id or 0).exists()
    )


# What a merge moves from the merged member to the kept one (undo moves the same ids back).
_MERGED_RECORDS: dict[str, Any] = {
    "events": Event,
    "identities": Identity,
    "follows": WeComFollow,
    "groups": GroupMembership,
    "consents": Consent,
    "signups": ActivitySignup,
    "benefits": BenefitGrant,
}
# Rows unique per (parent, member): a row the kept member already has stays with the merged one.
_UNIQUE_WITH = {"groups": "group_id", "signups": "activity_id"}


def _move_records(other: Member, keep: Member) -> dict[str, list[int]]:
    """Move `other`'s records to `keep`; returns the moved ids per kind, for the undo."""
    moved: dict[str, list[int]] = {}
    for key, model in _MERGED_RECORDS.items():
        rows = model.objects.filter(member=other)
        parent = _UNIQUE_WITH.get(key)
        if parent:
            kept = model.objects.filter(member=keep).values_list(parent, flat=True)
            rows = rows.exclude(**{f"{parent}__in": list(kept)})
        moved[key] = list(rows.values_list("id", flat=True))
        model.objects.filter(id__in=moved[key]).update(member=keep)
    return moved


@transaction.atomic
def merge(proposal: MergeProposal, *, by: Any) -> None:
    """Merge `other` into `keep` (audited, undoable); two members with deals are refused."""
    keep, other = proposal.keep, proposal.other
    if proposal.status != MergeProposal.Status.OPEN:
        raise Conflict(_("该合并建议已处理"))
    if _has_deals(keep) and _has_deals(other):
        raise Conflict(_("两个用户都有成交记录，不能合并：请先核实是否为同一人并在客资中处理"))
    moved = _move_records(other, keep)
    other.merged_into = keep
    other.save(update_fields=["merged_into"])
    proposal.status, proposal.moved = MergeProposal.Status.MERGED, moved
    proposal.save(update_fields=["status", "moved"])
    audit.record(
        actor=by, action="private.merge", target=keep, changes={"merged": [None, other.pk]}
    )
    recompute(keep)


@transaction.atomic
def undo_merge(proposal: MergeProposal, *, by: Any) -> None:
    """Give the merged member back its events and identities."""
    if proposal.status != MergeProposal.Status.MERGED:
        raise Conflict(_("只有已合并的用户可以撤销"))
    other = proposal.other
    for key, model in _MERGED_RECORDS.items():
        model.objects.filter(id__in=proposal.moved.get(key, [])).update(member=other)
    other.merged_into = None
    other.save(update_fields=["merged_into"])
    proposal.status = MergeProposal.Status.UNDONE
    proposal.save(update_fields=["status"])
    audit.record(
        actor=by,
        action="private.merge_undo",
        target=proposal.keep,
        changes={"merged": [other.pk, None]},
    )


def propose_matches(org: Organisation) -> int:
    """Propose members sharing a name and phone tail (uncertain, a person decides)."""
    made = 0
    seen = Member.objects.filter(organisation=org, merged_into=None).exclude(name="")
    for m in seen.exclude(phone=""):
        twins = seen.filter(name=m.name, phone__endswith=m.phone[-4:]).exclude(
            Q(pk=m.pk) | Q(phone=m.phone)
        )
        for t in twins.filter(pk__gt=m.pk):
            MergeProposal.objects.get_or_create(
                organisation=org,
                keep=m,
                other=t,
                defaults={"reason": "同名且手机尾号相同"},  # stored (data), shown as is
            )
            made += 1
    return made


def erase(member: Member, *, by: Any) -> None:
    """PIPL deletion: personal fields wiped; the member row and its counts stay anonymous."""
    member.name = member.phone = member.unionid = ""
    member.tags, member.anonymous, member.erased_at = [], True, timezone.now()
    member.customer = None
    member.save()
    Identity.objects.filter(member=member).delete()
    WeComFollow.objects.filter(member=member).delete()  # remarks and external ids are personal
    member.consents.all().delete()
    audit.record(actor=by, action="private.erase", target=member, changes={})


def refuse_merge(proposal: MergeProposal, *, by: Any) -> None:
    """A person decided the two members are different people."""
    if proposal.status != MergeProposal.Status.OPEN:
        raise Conflict(_("该合并建议已处理"))
    proposal.status = MergeProposal.Status.REFUSED
    proposal.save(update_fields=["status"])
    audit.record(actor=by, action="private.merge_refuse", target=proposal, changes={})


def record_consent(
    member: Member, *, source: str, scope: str, at: datetime | None = None, by: Any
) -> Consent:
    """A member's consent (where, for what, when), audited; erasure removes it."""
    if member.erased_at:
        raise Conflict(_("该用户的个人信息已删除"))
    consent = Consent.objects.create(
        member=member, source=source[:40], scope=scope[:80], at=at or timezone.now()
    )
    audit.record(
        actor=by,
        action="private.consent",
        target=member,
        changes={"consent": [None, f"{consent.source} · {consent.scope}"]},
    )
    return consent


def save_rules(org: Organisation, values: dict[str, Any], *, by: Any) -> LifecycleRules:
    """Edit the lifecycle rules (audited); members are restaged by the nightly pass or now
    with `restage_all`."""
    obj, _created = LifecycleRules.objects.get_or_create(
        organisation=org, defaults={"interest_kinds": list(rules.INTEREST_SIGNALS)}
    )
    before = obj.as_rules()
    obj.loyal_purchases = max(2, int(values["loyal_purchases"]))
    obj.referral_is_loyal = bool(values["referral_is_loyal"])
    obj.loyal_active_weeks = int(values.get("loyal_active_weeks") or 0)
    obj.interest_kinds = [k for k in values["interest_kinds"] if k in rules.INTEREST_SIGNALS]
    obj.restage_requested_at = timezone.now()
    obj.save()
    audit.record(
        actor=by, action="private.rules", target=obj, changes={"rules": [before, obj.as_rules()]}
    )
    return obj


def restage_all(org: Organisation, *, chunk: int = 1000) -> int:
    """Restage every member of the organisation (after a rule edit); stages never go down."""
    ids = list(
        Member.objects.filter(organisation=org, merged_into=None).values_list("pk", flat=True)
    )
    moved = 0
    for start in range(0, len(ids), chunk):
        moved += recompute_many(list(Member.objects.filter(pk__in=ids[start : start + chunk])))
    return moved


def save_wecom(org: Organisation, values: dict[str, Any], *, by: Any) -> WeComSettings:
    """Save the WeCom connection; secrets are sealed (core.crypto) and kept when left blank."""
    from mediadesk.core import crypto

    cfg = WeComSettings.objects.filter(organisation=org).first()
    secrets = {k: values.get(k) or "" for k in ("secret", "token", "aes_key")}
    if cfg is None and not all(secrets.values()):
        raise ValidationError(_("首次保存需填写 Secret、Token 和 EncodingAESKey"))
    cfg = cfg or WeComSettings(organisation=org)
    changed = ["corp_id", "monthly_limit", "daily_limit"] + [k for k, v in secrets.items() if v]
    cfg.corp_id, cfg.monthly_limit = values["corp_id"], values["monthly_limit"]
    cfg.daily_limit = values["daily_limit"]
    if secrets["secret"]:
        cfg.secret_sealed, cfg.access_token = crypto.seal(secrets["secret"]), ""
    if secrets["token"]:
        cfg.token_sealed = crypto.seal(secrets["token"])
    if secrets["aes_key"]:
        cfg.aes_key_sealed = crypto.seal(secrets["aes_key"])
    cfg.save()
    audit.record(actor=by, action="private.wecom_settings", target=org,
                 changes={"changed": [None, changed]})  # fmt: skip
    return cfg


def create_wakeup_plan(org: Organisation, values: dict[str, Any], *, by: Any) -> WakeUpPlan:
    """A wake-up plan (audited); a 群发 plan needs content that passes the compliance check."""
    from mediadesk.private import mass

    if values["channel"] == WakeUpPlan.Channel.MASS:
        mass.check_text(org.pk, values.get("content") or "", field="content")
    plan = WakeUpPlan.objects.create(organisation=org, **values)
    audit.record(
        actor=by,
        action="private.wakeup_create",
        target=plan,
        changes={k: [None, v] for k, v in values.items()},
    )
    return plan
