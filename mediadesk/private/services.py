"""Members: identity resolution, event ingestion, lifecycle, merge, erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import audit
from mediadesk.core.errors import Conflict
from mediadesk.core.phone import normalise
from mediadesk.leads.models import Customer, Deal, FollowUp, Visit
from mediadesk.orgs.models import Organisation
from mediadesk.private import rules
from mediadesk.private.models import Event, Identity, Member, MergeProposal, StageChange


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


@transaction.atomic
def ingest(org: Organisation, items: list[dict[str, Any]]) -> dict[str, int]:
    """Store events once per event_id and restage their members; returns counts."""
    created = duplicates = 0
    touched: dict[int, Member] = {}
    for item in items:
        with transaction.atomic():
            if Event.objects.filter(organisation=org, event_id=item["event_id"]).exists():
                duplicates += 1
                continue
            member = resolve(
                org,
                unionid=item.get("unionid") or "",
                phone=item.get("phone") or "",
                openid=item.get("openid") or "",
            )
            try:
                with transaction.atomic():
                    Event.objects.create(
                        organisation=org,
                        member=member,
                        event_id=item["event_id"],
                        kind=item["kind"],
                        at=item["at"],
                        meta=item.get("meta") or {},
                        amount_fen=_fen(item.get("amount")),
                    )
            except IntegrityError:
                duplicates += 1
                continue
            created += 1
            touched[member.pk] = member
    for member in touched.values():
        recompute(member)
    return {"created": created, "duplicates": duplicates}


def _fen(amount: Any) -> int | None:
    return None if amount is None else round(float(amount) * 100)


def facts_of(member: Member) -> tuple[rules.Facts, datetime | None]:
    """The lifecycle facts of a member and when they were last active."""
    events = Event.objects.filter(member=member)
    purchases = events.filter(kind="purchase").count()
    interest = events.filter(kind__in=["message", "live_attend", "course_view", "page_view"])
    kind = interest.values_list("kind", flat=True).first() or ""
    last = events.order_by("-at").values_list("at", flat=True).first()
    if member.customer_id:
        purchases += (
            Deal.objects.filter(customer_id=member.customer_id)
            .exclude(stage=Deal.Stage.CANCELLED)
            .count()
        )
        visit = Visit.objects.filter(customer_id=member.customer_id).order_by("-visited_at").first()
        if visit:
            kind = kind or "到访"
            last = max(filter(None, [last, visit.visited_at]))
        if (
            not kind
            and FollowUp.objects.filter(opportunity__customer_id=member.customer_id)
            .exclude(intent="")
            .exists()
        ):
            kind = "跟进有意向"
    referrals = events.filter(kind="referral").count()
    return rules.Facts(purchases=purchases, referrals=referrals, interest=kind), last


def recompute(member: Member, *, reason_at: datetime | None = None) -> bool:
    """Restage one member from its facts; a move is written to the stage history."""
    facts, last = facts_of(member)
    stage, reason = rules.stage_for(facts)
    member.purchases, member.last_active_at = facts.purchases, last or member.last_active_at
    moved = stage != member.stage and rules.higher(stage, member.stage)
    first = not member.stage_history.exists()
    if moved or first:
        StageChange.objects.create(
            member=member,
            from_stage="" if first else member.stage,
            to_stage=stage,
            at=reason_at or timezone.now(),
            reason=reason,
        )
        member.stage, member.stage_since = stage, reason_at or timezone.now()
    member.save(update_fields=["purchases", "last_active_at", "stage", "stage_since"])
    return moved


def _has_deals(member: Member) -> bool:
    return (
        bool(member.customer_id)
        and Deal.objects.filter(customer_id=member.customer_id or 0).exists()
    )


@transaction.atomic
def merge(proposal: MergeProposal, *, by: Any) -> None:
    """Merge `other` into `keep` (audited, undoable); two members with deals are refused."""
    keep, other = proposal.keep, proposal.other
    if proposal.status != MergeProposal.Status.OPEN:
        raise Conflict(_("该合并建议已处理"))
    if _has_deals(keep) and _has_deals(other):
        raise Conflict(_("两个用户都有成交记录，不能合并：请先核实是否为同一人并在客资中处理"))
    moved = {
        "events": list(Event.objects.filter(member=other).values_list("id", flat=True)),
        "identities": list(Identity.objects.filter(member=other).values_list("id", flat=True)),
    }
    Event.objects.filter(member=other).update(member=keep)
    Identity.objects.filter(member=other).update(member=keep)
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
    Event.objects.filter(id__in=proposal.moved.get("events", [])).update(member=other)
    Identity.objects.filter(id__in=proposal.moved.get("identities", [])).update(member=other)
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
                organisation=org, keep=m, other=t, defaults={"reason": "同名且手机尾号相同"}
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
    member.consents.all().delete()
    audit.record(actor=by, action="private.erase", target=member, changes={})


def refuse_merge(proposal: MergeProposal, *, by: Any) -> None:
    """A person decided the two members are different people."""
    if proposal.status != MergeProposal.Status.OPEN:
        raise Conflict(_("该合并建议已处理"))
    proposal.status = MergeProposal.Status.REFUSED
    proposal.save(update_fields=["status"])
    audit.record(actor=by, action="private.merge_refuse", target=proposal, changes={})
