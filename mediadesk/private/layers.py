"""分层运营: stage-tagged content suggested per segment, and active-member benefit tiers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import audit
from mediadesk.orgs.models import Organisation
from mediadesk.private.models import BenefitGrant, BenefitTier, Member, Segment, StageContent


def tag_content(
    org: Organisation, stage: str, *, item: Any = None, reply: Any = None, by: Any
) -> StageContent:
    """Tag a content item or a standard reply (of the organisation) for a stage."""
    if (item is None) == (reply is None):
        raise ValidationError(_("请选择一篇内容或一条标准话术"))
    target = item or reply
    if target.organisation_id != org.pk:
        raise ValidationError(_("只能标记本组织的内容"))
    row, _created = StageContent.objects.get_or_create(
        organisation=org, stage=stage, content_item=item, standard_reply=reply
    )
    audit.record(actor=by, action="private.stage_content", target=row,
                 changes={"stage": [None, stage]})  # fmt: skip
    return row


def suggestions(segment: Segment) -> list[StageContent]:
    """The stage content matching the segment's stage rule (all stages when it has none)."""
    rows = StageContent.objects.filter(organisation_id=segment.organisation_id)
    stage = segment.rules.get("stage")
    if stage:
        rows = rows.filter(stage=stage)
    return list(rows.select_related("content_item", "standard_reply")[:10])


def active_members(tier: BenefitTier, now: Any = None) -> QuerySet[Member]:
    """Members with at least the tier's interactions in the last 30 days, most active first."""
    since = (now or timezone.now()) - timedelta(days=30)
    return (
        Member.objects.filter(organisation_id=tier.organisation_id, merged_into=None)
        .annotate(recent=Count("events", filter=Q(events__at__gte=since)))
        .filter(recent__gte=tier.min_events)
        .order_by("-recent", "pk")
    )


def grant(tier: BenefitTier, member: Member, *, by: Any) -> BenefitGrant:
    """Record that the member received the tier's benefit (audited)."""
    if not active_members(tier).filter(pk=member.pk).exists():
        raise ValidationError(_("该用户近 30 天互动不足，不符合此福利"))
    row = BenefitGrant.objects.create(tier=tier, member=member, at=timezone.now(), by=by)
    audit.record(actor=by, action="private.benefit", target=member,
                 changes={"benefit": [None, f"{tier.name}：{tier.benefit}"]})  # fmt: skip
    return row
