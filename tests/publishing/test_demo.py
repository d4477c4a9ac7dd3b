"""Demo publishing: scheduled, published, failed and package jobs; an unconnected 公众号."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.orgs import demo as org_demo
from mediadesk.publishing import demo
from mediadesk.publishing.models import Connection, PostCheck, PublishJob

pytestmark = pytest.mark.django_db


def test_demo_publishing_loads_once_with_every_state(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    loaded = org_demo.load()  # runs every registered demo loader, publishing included
    org = loaded["organisation"]
    company = org.companies.get(name="西安公司")
    projects = {p.name: p for p in org.projects.all()}
    demo.load(org=org, company=company, projects=projects, users=loaded["users"])
    states = sorted(PublishJob.objects.values_list("state", flat=True))
    assert states == ["failed", "manual", "published", "queued"]
    assert PostCheck.objects.filter(confirmed_at__isnull=True).count() == 1
    assert "请重新授权" in PublishJob.objects.get(state="failed").error_message
    unconnected = org.accounts.filter(platform__code="wechat_mp").exclude(
        pk__in=Connection.objects.values("account_id")
    )
    assert unconnected.exists()
