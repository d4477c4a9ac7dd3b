"""Progress and generated tasks kept up to date when data arrives (after commit)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from mediadesk.core.models import AuditEntry
from mediadesk.leads.models import Deal, Visit
from mediadesk.live.models import Figures, Session
from mediadesk.review.models import StepState

ANALYTICS = ("exposure", "reads", "interactions", "conversions", "interaction_rate",
             "net_followers", "posts_published", "on_time_rate")  # fmt: skip
LEADS = ("deals", "deal_amount", "visits", "leads")
LIVE = ("live_sessions", "live_viewers", "live_views", "live_avg_viewers", "live_leads",
        "live_deals")  # fmt: skip


def _recompute(org_id: int, codes: tuple[str, ...]) -> None:
    from mediadesk.planning import services

    transaction.on_commit(lambda: services.recompute(organisation_id=org_id, metrics_in=codes))


@receiver(post_save, sender=AuditEntry, dispatch_uid="planning.import_done")
def after_import(sender: Any, instance: AuditEntry, created: bool, **kwargs: Any) -> None:
    """An analytics import records one `metrics.import` entry when its batch is done (the
    batch itself is finished with an UPDATE, which sends no signal)."""
    if created and instance.action == "metrics.import" and instance.organisation_id:
        _recompute(instance.organisation_id, ANALYTICS)


@receiver(post_save, sender=Deal, dispatch_uid="planning.deal")
@receiver(post_save, sender=Visit, dispatch_uid="planning.visit")
def after_lead_record(sender: Any, instance: Any, **kwargs: Any) -> None:
    _recompute(instance.organisation_id, LEADS)


@receiver(post_save, sender=StepState, dispatch_uid="planning.review_step")
def after_step(sender: Any, instance: StepState, **kwargs: Any) -> None:
    from mediadesk.planning.generators import review

    transaction.on_commit(review.sync)


@receiver(post_save, sender=Session, dispatch_uid="planning.live_session")
def after_session(sender: Any, instance: Session, **kwargs: Any) -> None:
    """A session held (or its status changed) moves the live key results."""
    _recompute(instance.organisation_id, LIVE)


@receiver(post_save, sender=Figures, dispatch_uid="planning.live_figures")
def after_figures(sender: Any, instance: Figures, **kwargs: Any) -> None:
    _recompute(
        Session.objects.values_list("organisation_id", flat=True).get(pk=instance.session_id), LIVE
    )
