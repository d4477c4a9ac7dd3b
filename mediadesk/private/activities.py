"""社群活动 (直播答疑, 线下见面会): sign-ups, attendance (an event on the member's timeline that
counts as interest), and the stage movement of attendees after the activity."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import audit
from mediadesk.private import services
from mediadesk.private.models import Activity, ActivitySignup, Event, Member, StageChange


def sign_up(activity: Activity, members: list[Member], *, by: Any) -> int:
    """Sign members up (once each); returns how many were new."""
    if any(m.organisation_id != activity.organisation_id for m in members):
        raise ValidationError({"members": [_("只能报名本组织的用户")]})
    now = timezone.now()
    made = ActivitySignup.objects.bulk_create(
        [ActivitySignup(activity=activity, member=m, signed_at=now) for m in members],
        ignore_conflicts=True,
    )
    audit.record(actor=by, action="private.signup", target=activity,
                 changes={"members": [None, len(members)]})  # fmt: skip
    return len(made)


@transaction.atomic
def attend(activity: Activity, member: Member, *, by: Any) -> ActivitySignup:
    """Record attendance (signing up walk-ins); the member gets an activity event and is restaged."""
    signup, _created = ActivitySignup.objects.get_or_create(
        activity=activity, member=member, defaults={"signed_at": timezone.now()}
    )
    if signup.attended_at is None:
        signup.attended_at = timezone.now()
        signup.save(update_fields=["attended_at"])
        kind = "live_attend" if activity.kind == Activity.Kind.LIVE_QA else "activity"
        Event.objects.get_or_create(
            organisation_id=activity.organisation_id,
            event_id=f"activity:{activity.pk}:{member.pk}",
            defaults={"member": member, "kind": kind, "at": signup.attended_at,
                      "meta": {"activity": activity.pk}},
        )  # fmt: skip
        services.recompute(member)
        audit.record(actor=by, action="private.attend", target=activity,
                     changes={"member": [None, member.pk]})  # fmt: skip
    return signup


def outcome(activity: Activity) -> dict[str, int]:
    """Signed up, attended, and attendees who moved up a stage after the activity started."""
    signups = activity.signups.all()
    attended = signups.exclude(attended_at=None)
    moved = (
        StageChange.objects.filter(member__in=attended.values("member"), at__gte=activity.starts_at)
        .exclude(from_stage="")
        .values("member")
        .distinct()
        .count()
    )
    return {"signed": signups.count(), "attended": attended.count(), "moved": moved}
