"""The leads demo loads through the services, covers every state, and is idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.leads import demo as leads_demo
from mediadesk.leads.models import Broker, Channel, Dispute, Opportunity, Referral
from mediadesk.orgs import demo
from mediadesk.orgs.models import Company, Organisation, Project, User

pytestmark = pytest.mark.django_db


def _load() -> None:
    org = Organisation.objects.get(name=demo.ORG_NAME)
    leads_demo.load(
        org=org, company=Company.objects.get(organisation=org, name="西安公司"),
        projects={p.name: p for p in Project.objects.filter(organisation=org)},
        users={u.username: u for u in User.objects.filter(organisation=org)},
    )  # fmt: skip


def test_the_demo_has_every_state_and_a_second_run_changes_nothing(login: Any) -> None:
    demo.load()
    _load()
    counts = (Channel.objects.count(), Opportunity.objects.count(), Broker.objects.count())
    stages = set(Opportunity.objects.values_list("stage", flat=True))
    assert {"new", "contacted", "visited", "pledged", "subscribed", "signed", "lost"} <= stages
    assert Opportunity.objects.filter(in_pool=True).count() >= 3
    assert Opportunity.objects.filter(sla_breached_at__isnull=False).exists()
    assert Dispute.objects.filter(decision="").exists()
    assert Referral.objects.filter(status="pending").exists()
    _load()
    assert (Channel.objects.count(), Opportunity.objects.count(), Broker.objects.count()) == counts
    sales = User.objects.get(username="sales")
    assert login(sales).get("/leads/").status_code == 200
