"""A lead past its first-contact SLA, or a dispute to decide → a task; closes when done."""

from __future__ import annotations

from typing import Any

from mediadesk.leads.models import Dispute, Opportunity
from mediadesk.planning.tasks_service import sync_generated

SLA = "lead_sla"
DISPUTE = "dispute"


def sla_wanted() -> dict[tuple[str, int], dict[str, Any]]:
    overdue = (
        Opportunity.objects.filter(
            first_contact_at__isnull=True, sla_breached_at__isnull=False, in_pool=False
        )
        .exclude(consultant=None)
        .select_related("customer", "project")
    )
    return {
        (f"lead:{o.pk}", o.consultant_id): {  # type: ignore[misc]
            "organisation_id": o.organisation_id,
            "title": f"首次联系已超时：{o.customer}（{o.project}）",
            "due_at": o.first_contact_due,
            "important": True,
            "urgent": True,
            "link": f"/leads/customers/{o.customer_id}/",
            "minutes": 10,
        }
        for o in overdue
    }


def dispute_wanted() -> dict[tuple[str, int], dict[str, Any]]:
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for d in Dispute.objects.filter(decided_at__isnull=True).select_related("project"):
        for user_id in _deciders(d):
            out[(f"dispute:{d.pk}", user_id)] = {
                "organisation_id": d.organisation_id,
                "title": f"争议待裁决：{d.project}",
                "due_at": None,
                "important": True,
                "urgent": False,
                "link": f"/leads/attribution/disputes/{d.pk}/",
                "minutes": 30,
            }
    return out


def _deciders(d: Dispute) -> list[int]:
    from mediadesk.orgs.models import RoleGrant
    from mediadesk.orgs.roles import Role

    grants = RoleGrant.objects.filter(
        organisation_id=d.organisation_id, role__in=[Role.CHANNEL, Role.MANAGER]
    )
    return sorted({g.user_id for g in grants if g.project_id in (None, d.project_id)})


def sync() -> dict[str, dict[str, int]]:
    return {
        "sla": sync_generated(SLA, sla_wanted()),
        "dispute": sync_generated(DISPUTE, dispute_wanted()),
    }
