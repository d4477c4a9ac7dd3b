"""Demo reviews: waiting at 二审, blocked at 二审 by a finding, approved and published; idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.content.models import ContentItem, Status
from mediadesk.orgs import demo as org_demo
from mediadesk.review import demo
from mediadesk.review.models import ReviewRun, Revision

pytestmark = pytest.mark.django_db


def test_demo_reviews_load_once(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    loaded = org_demo.load()
    org = loaded["organisation"]
    company = org.companies.get(name="西安公司")
    projects = {p.name: p for p in org.projects.all()}
    for _ in range(2):
        demo.load(org=org, company=company, projects=projects, users=loaded["users"])
    # Other apps' demos (publishing) review items of their own; count the three made here.
    own = {"item__title__in": [demo.WAITING, demo.BLOCKED, demo.PUBLISHED]}
    assert ReviewRun.objects.filter(**own).count() == 3
    assert Revision.objects.filter(**own).count() == 3
    waiting = ReviewRun.objects.get(item__title=demo.WAITING)
    blocked = ReviewRun.objects.get(item__title=demo.BLOCKED)
    assert [s.status for s in waiting.steps.order_by("order")] == ["approved", "pending", "waiting"]
    assert blocked.revision.block_count > 0 and blocked.steps.get(order=2).status == "pending"
    assert any(f["term"] == "全网最低价" for f in blocked.revision.findings)
    published = ContentItem.objects.get(title=demo.PUBLISHED)
    assert published.status == Status.PUBLISHED
    assert set(published.variants.values_list("status", flat=True)) == {Status.PUBLISHED}
