"""The organisation structure page: companies and projects, added by admins only."""

from __future__ import annotations

import pytest

from mediadesk.core.models import AuditEntry
from mediadesk.orgs.models import Company, Project
from tests.conftest import audit_actions

pytestmark = pytest.mark.django_db


def test_admin_sees_the_companies_and_projects(world, login):
    body = login(world.admin).get("/settings/organisation/").content.decode()
    assert "西安公司" in body and "锦程·曲江府" in body and "锦程·天府" in body


def test_admin_adds_a_company_and_a_project(world, login):
    client = login(world.admin)
    response = client.post(
        "/settings/organisation/companies/", {"name": "重庆公司", "city": "重庆"}
    )
    assert response.status_code == 302
    company = Company.objects.get(organisation=world.org, name="重庆公司")
    assert audit_actions("company", company.pk) == ["company.create"]

    client.post(
        "/settings/organisation/projects/",
        {"company": company.pk, "name": "锦程·江北", "kind": "estate"},
    )
    project = Project.objects.get(company=company, name="锦程·江北")
    assert project.organisation == world.org
    assert audit_actions("project", project.pk) == ["project.create"]


def test_duplicates_are_refused_with_a_message(world, login):
    client = login(world.admin)
    response = client.post("/settings/organisation/companies/", {"name": "西安公司"})
    assert "已有同名的城市公司" in response.content.decode()
    response = client.post(
        "/settings/organisation/projects/",
        {"company": world.xian.pk, "name": "锦程·曲江府", "kind": "estate"},
    )
    assert "该公司下已有同名项目" in response.content.decode()
    assert Company.objects.filter(name="西安公司").count() == 1
    assert not AuditEntry.objects.exists()


def test_an_outsider_admin_cannot_add_to_our_companies(world, login):
    client = login(world.outsider)
    body = client.get("/settings/organisation/").content.decode()
    assert "西安公司" not in body
    client.post(
        "/settings/organisation/projects/",
        {"company": world.xian.pk, "name": "入侵项目", "kind": "estate"},
    )
    assert not Project.objects.filter(name="入侵项目").exists()
    client.post("/settings/organisation/companies/", {"name": "别家新公司"})
    assert Company.objects.get(name="别家新公司").organisation == world.other_org
