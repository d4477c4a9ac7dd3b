"""阶段规划: the `001_…` three-phase template, measured milestones checked from the data, the
others ticked with evidence (refused without it, and on measured ones), pages and access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from mediadesk.planning import phases
from mediadesk.planning.models import Milestone, Phase, PhasePlan
from tests.analytics.conftest import DY_ID, Posts, at, ingest
from tests.conftest import World, audit_actions

pytestmark = pytest.mark.django_db


def test_the_template_ships_three_phases_with_the_seed_milestones(world: World) -> None:
    plan = phases.from_template(world.manager, organisation_id=world.org.pk, name="新媒体三年规划",
                                start=dt.date(2024, 1, 1))  # fmt: skip
    rows = list(Phase.objects.filter(plan=plan).values_list("name", "start", "end"))
    assert rows == [
        ("短期：体系搭建与冷启动", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        ("中期：规模增长与品牌渗透", dt.date(2024, 4, 1), dt.date(2024, 12, 31)),
        ("长期：生态构建与行业占位", dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
    ]
    titles = " ".join(Milestone.objects.filter(phase__plan=plan).values_list("title", flat=True))
    for words in ("内容 SOP", "3–5 种内容类型", "种子用户", "爆款", "SEO", "巨量千川", "KOL/KOC",
                  "从万到十万", "跨品牌", "复购率 ≥ 30%", "效率提升 40%"):  # fmt: skip
        assert words in titles
    assert audit_actions("phase_plan", plan.pk) == ["phase_plan.create"]


def test_a_measured_milestone_is_checked_from_the_data(world: World, posts: Posts) -> None:
    plan = phases.from_template(world.manager, organisation_id=world.org.pk, name="规划",
                                start=dt.date(2024, 2, 1))  # fmt: skip
    hits = Milestone.objects.get(phase__plan=plan, metric="hits")
    phases.check(plan, dt.date(2024, 5, 20))
    hits.refresh_from_db()
    assert hits.value == 0 and hits.done_at is None
    ingest(world.operator, "douyin",
           {"external_id": DY_ID, "taken_at": at(24), "reads": 1_200_000})  # fmt: skip
    from tests.analytics.conftest import make_post

    make_post(posts.douyin, "第二个爆款", owner=world.operator, external_id="dy-2")
    ingest(
        world.operator, "douyin", {"external_id": "dy-2", "taken_at": at(30), "reads": 2_000_000}
    )
    assert phases.check(plan, dt.date(2024, 5, 20)) >= 1
    hits.refresh_from_db()
    assert hits.value == Decimal(2) and hits.done_at is not None
    phases.check(plan, dt.date(2024, 6, 20))  # a new month: judged again over June
    hits.refresh_from_db()
    assert hits.value == 0 and hits.done_at is None


def test_ticking_needs_evidence_and_never_applies_to_measured_milestones(
    world: World, login: Any
) -> None:
    plan = phases.from_template(world.manager, organisation_id=world.org.pk, name="规划",
                                start=dt.date(2024, 1, 1))  # fmt: skip
    sop = Milestone.objects.get(phase__plan=plan, title__startswith="内容 SOP")
    measured = Milestone.objects.get(phase__plan=plan, metric="hits")
    client = login(world.manager)
    bare = client.post(reverse("planning:milestone_tick", args=[sop.pk]), {"evidence_url": ""})
    assert bare.status_code == 400 and "证明链接" in bare.content.decode()
    data = client.post(reverse("planning:milestone_tick", args=[measured.pk]),
                       {"evidence_url": "https://example.invalid/x"})  # fmt: skip
    assert data.status_code == 400 and "由数据判定" in data.content.decode()
    assert not Milestone.objects.filter(phase__plan=plan, metric="").exclude(done_at=None).exists()
    assert audit_actions("milestone", sop.pk) == []
    ok = client.post(reverse("planning:milestone_tick", args=[sop.pk]),
                     {"evidence_url": "https://example.invalid/sop.pdf"})  # fmt: skip
    assert ok.status_code == 302
    sop.refresh_from_db()
    assert sop.done_by == world.manager and sop.evidence_url.endswith("sop.pdf")
    assert audit_actions("milestone", sop.pk) == ["milestone.tick"]
    page = client.get(reverse("planning:plan", args=[plan.pk])).content.decode()
    assert page.count('data-testid="phase"') == 3 and "sop.pdf" in page


def test_plan_pages_and_access(world: World, login: Any, client: Any) -> None:
    response = login(world.manager).post(
        reverse("planning:plans"), {"name": "三年规划", "start": "2024-01-01"}
    )
    plan = PhasePlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("planning:plan", args=[plan.pk])
    assert login(world.manager).post(reverse("planning:plans"), {"name": " "}).status_code == 400
    far = login(world.manager).post(reverse("planning:plans"), {"name": "x", "start": "9999-12-31"})
    assert far.status_code == 400 and "1990–2199" in far.content.decode()
    assert PhasePlan.objects.count() == 1
    stone = Milestone.objects.filter(phase__plan=plan, metric="").first()
    assert stone is not None
    assert login(world.planner).get(reverse("planning:plan", args=[plan.pk])).status_code == 200
    assert login(world.planner).post(reverse("planning:plans"), {"name": "x"}).status_code == 403
    assert login(world.planner).post(reverse("planning:milestone_tick", args=[stone.pk]),
                                     {"evidence_url": "https://e.invalid/"}).status_code == 403  # fmt: skip
    assert login(world.outsider).get(reverse("planning:plan", args=[plan.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("planning:plans")).status_code == 302
