"""User administration pages: who may use them, and what each write leaves in the database."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from mediadesk.core.models import AuditEntry
from mediadesk.orgs.models import RoleGrant, User
from mediadesk.orgs.roles import Role
from tests.conftest import PASSWORD, audit_actions

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Lotus-river-2024"


def _user_pages(world):
    """(method, url) of every user-admin page, the user-specific ones about `planner`."""
    pk = world.planner.pk
    grant = world.planner.role_grants.get()
    return [
        ("get", "/settings/users/"),
        ("get", "/settings/users/export.xlsx"),
        ("get", "/settings/users/new/"),
        ("get", "/settings/users/project-options/"),
        ("get", "/settings/organisation/"),
        ("get", f"/settings/users/{pk}/"),
        ("get", f"/settings/users/{pk}/edit/"),
        ("get", f"/settings/users/{pk}/deactivate/"),
        ("post", f"/settings/users/{pk}/roles/"),
        ("post", f"/settings/users/{pk}/roles/{grant.pk}/revoke/"),
        ("post", f"/settings/users/{pk}/password/"),
        ("post", f"/settings/users/{pk}/reactivate/"),
        ("post", "/settings/organisation/companies/"),
        ("post", "/settings/organisation/projects/"),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(world):
    client = Client()
    for method, url in _user_pages(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url


@pytest.mark.parametrize("persona", ["manager", "sales_a", "operator"])
def test_non_admins_get_403_and_change_nothing(world, login, persona):
    client = login(world.users[persona])
    grants_before = RoleGrant.objects.count()
    for method, url in _user_pages(world):
        data = {"role": Role.ADMIN, "scope": "org", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                "name": "新公司"} if method == "post" else None  # fmt: skip
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
    assert RoleGrant.objects.count() == grants_before
    assert not AuditEntry.objects.exists()
    world.planner.refresh_from_db()
    assert world.planner.check_password(PASSWORD)


def test_an_admin_of_another_organisation_cannot_see_or_touch_our_users(world, login):
    client = login(world.outsider)
    listing = client.get("/settings/users/")
    assert {u.username for u in listing.context["page"]} == {"outsider"}
    assert "西安公司" not in listing.content.decode()
    pk = world.planner.pk
    grant = world.planner.role_grants.get()
    for method, url in _user_pages(world):
        if f"/{pk}/" not in url:
            continue
        response = getattr(client, method)(
            url, {"role": Role.ADMIN, "scope": "org"} if method == "post" else None
        )
        assert response.status_code == 404, url
    assert RoleGrant.objects.filter(pk=grant.pk).exists()
    assert not world.planner.role_grants.filter(role=Role.ADMIN).exists()
    assert not AuditEntry.objects.exists()


def test_the_list_filters_by_role_scope_status_and_keyword(world, login):
    client = login(world.admin)
    world.sales_b.is_active = False
    world.sales_b.save()

    def names(**params):
        response = client.get("/settings/users/", params)
        return {u.username for u in response.context["page"]}

    assert names(role="sales") == {"sales_a", "sales_b"}
    assert names(company=world.chengdu.pk) == {"operator_cd"}
    assert names(project=world.qujiang.pk) == {"sales_a"}
    assert names(company=world.xian.pk) >= {
        "planner",
        "operator",
        "sales_a",
        "sales_b",
        "manager_xa",
    }
    assert "operator_cd" not in names(company=world.xian.pk)
    assert names(status="inactive") == {"sales_b"}
    assert "sales_b" not in names(status="active")
    assert names(q="139 0000 0002") == {"manager"}
    assert names(q="0002") == {"manager"}
    assert names(q="operator") == {"operator", "operator_cd"}
    assert "outsider" not in names()


def test_the_list_masks_phones_and_keeps_its_query_count(
    world, login, django_assert_max_num_queries
):
    client = login(world.admin)
    with django_assert_max_num_queries(15):
        body = client.get("/settings/users/").content.decode()
    assert "139****0002" in body and "13900000002" not in body


def test_the_list_says_so_when_nothing_matches(world, login):
    body = login(world.admin).get("/settings/users/", {"q": "无此人"}).content.decode()
    assert "没有符合条件的用户" in body


def test_the_export_masks_phones(world, login):
    response = login(world.admin).get("/settings/users/export.xlsx", {"role": "manager"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("用户名", "姓名", "手机号")
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"manager", "manager_xa"}
    assert by_name["manager"][2] == "139****0002"
    assert "全组织" in by_name["manager"][4]


def test_an_admin_creates_a_user_with_a_first_role(world, login):
    client = login(world.admin)
    response = client.post(
        "/settings/users/new/",
        {"username": "newbie", "display_name": "新同事", "phone": "138 0000 1111", "email": "n@example.com",
         "password": NEW_PASSWORD, "role": Role.SALES, "scope": "project", "company": "",
         "project": world.tianfu.pk},
    )  # fmt: skip
    user = User.objects.get(username="newbie")
    assert response["Location"] == f"/settings/users/{user.pk}/"
    assert (user.organisation, user.phone, user.display_name) == (
        world.org,
        "13800001111",
        "新同事",
    )
    assert user.check_password(NEW_PASSWORD)
    grant = user.role_grants.get()
    assert (grant.role, grant.company, grant.project) == (Role.SALES, world.chengdu, world.tianfu)
    assert audit_actions("user", user.pk) == ["user.create", "role.grant"]


def test_creating_a_user_with_bad_input_writes_nothing(world, login):
    client = login(world.admin)
    cases = [
        ({"username": "planner"}, "用户名已存在"),
        ({"password": "12345678"}, "密码"),
        ({"phone": "12345"}, "手机号应为 11 位大陆手机号"),
        ({"phone": "13900000002"}, "该手机号已被其他用户使用"),
        ({"scope": "company", "company": ""}, "请选择城市公司"),
    ]
    for change, message in cases:
        data = {
            "username": "newbie",
            "password": NEW_PASSWORD,
            "role": Role.PLANNER,
            "scope": "org",
        } | change
        response = client.post("/settings/users/new/", data)
        assert response.status_code == 200
        assert message in response.content.decode(), change
    assert not User.objects.filter(username="newbie").exists()
    assert not AuditEntry.objects.exists()


def test_an_admin_edits_a_user(world, login):
    client = login(world.admin)
    response = client.post(
        f"/settings/users/{world.planner.pk}/edit/",
        {"display_name": "李策划", "phone": "13811112222", "email": "li@example.com"},
    )
    assert response.status_code == 302
    world.planner.refresh_from_db()
    assert (world.planner.display_name, world.planner.phone) == ("李策划", "13811112222")
    entry = AuditEntry.objects.get(action="user.update")
    assert entry.changes["display_name"] == ["planner", "李策划"]


def test_an_admin_grants_a_company_role_and_revokes_it(world, login):
    client = login(world.admin)
    url = f"/settings/users/{world.planner.pk}/roles/"
    response = client.post(
        url, {"role": Role.OPERATOR, "scope": "company", "company": world.chengdu.pk}
    )
    assert response.status_code == 302
    grant = world.planner.role_grants.get(role=Role.OPERATOR)
    assert (grant.company, grant.project) == (world.chengdu, None)

    page = client.get(f"/settings/users/{world.planner.pk}/").content.decode()
    assert "授予角色" in page and "成都公司" in page

    client.post(f"/settings/users/{world.planner.pk}/roles/{grant.pk}/revoke/")
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert audit_actions("user", world.planner.pk) == ["role.grant", "role.revoke"]


def test_a_duplicate_or_incomplete_grant_is_refused(world, login):
    client = login(world.admin)
    url = f"/settings/users/{world.planner.pk}/roles/"
    response = client.post(
        url, {"role": Role.PLANNER, "scope": "company", "company": world.xian.pk}
    )
    assert "该用户在此范围已有此角色" in response.content.decode()
    response = client.post(
        url, {"role": Role.PLANNER, "scope": "project", "company": world.xian.pk}
    )
    assert "请选择项目" in response.content.decode()
    response = client.post(
        url,
        {
            "role": Role.PLANNER,
            "scope": "project",
            "company": world.chengdu.pk,
            "project": world.qujiang.pk,
        },
    )
    assert "项目不属于所选城市公司" in response.content.decode()
    assert world.planner.role_grants.count() == 1
    assert not AuditEntry.objects.exists()


def test_an_admin_cannot_grant_a_scope_of_another_organisation(world, login):
    from mediadesk.orgs.models import Company

    foreign = Company.objects.create(organisation=world.other_org, name="别家公司")
    response = login(world.admin).post(
        f"/settings/users/{world.planner.pk}/roles/",
        {"role": Role.PLANNER, "scope": "company", "company": foreign.pk},
    )
    assert response.status_code == 200
    assert world.planner.role_grants.count() == 1


def test_the_project_picker_follows_the_company(world, login):
    client = login(world.admin)
    body = client.get(
        "/settings/users/project-options/", {"company": world.chengdu.pk}
    ).content.decode()
    assert "锦程·天府" in body and "曲江府" not in body
    outsider = login(world.outsider).get("/settings/users/project-options/").content.decode()
    assert "锦程" not in outsider


def test_an_admin_resets_a_password(world, login):
    client = login(world.admin)
    url = f"/settings/users/{world.planner.pk}/password/"
    response = client.post(url, {"new_password": NEW_PASSWORD, "confirm": "something-else"})
    assert "两次输入的新密码不一致" in response.content.decode()
    response = client.post(url, {"new_password": "1234567890", "confirm": "1234567890"})
    assert "数字" in response.content.decode()
    world.planner.refresh_from_db()
    assert world.planner.check_password(PASSWORD)

    client.post(url, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    world.planner.refresh_from_db()
    assert world.planner.check_password(NEW_PASSWORD)
    assert audit_actions("user", world.planner.pk) == ["user.password"]


def test_the_user_page_shows_the_history(world, login):
    client = login(world.admin)
    client.post(f"/settings/users/{world.planner.pk}/roles/", {"role": Role.LEGAL, "scope": "org"})
    response = client.get(f"/settings/users/{world.planner.pk}/")
    assert [e.action for e in response.context["history"]] == ["role.grant"]
    assert "授予角色" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        (
            "admin",
            ["用户与角色", "组织架构", "平台与限制", "账号规范规则", "通知机器人", "审计记录"],
            [],
        ),
        (
            "manager",
            ["通知机器人", "发送状态", "审计记录"],
            ["用户与角色", "组织架构", "平台与限制"],
        ),
        ("sales_a", ["个人资料与安全"], ["用户与角色", "审计记录", "通知机器人", "平台与限制"]),
    ],
)
def test_the_settings_index_shows_what_the_role_allows(world, login, persona, shown, hidden):
    body = login(world.users[persona]).get("/settings/").content.decode()
    for label in shown:
        assert label in body
    for label in hidden:
        assert label not in body


def test_the_settings_index_needs_a_login(world):
    assert Client().get("/settings/")["Location"].startswith("/login/")


def test_an_admin_opens_every_page(world, login):
    client = login(world.admin)
    for method, url in _user_pages(world):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_the_services_refuse_an_admin_of_another_organisation(world):
    from django.core.exceptions import PermissionDenied

    from mediadesk.orgs import services

    with pytest.raises(PermissionDenied):
        services.grant_role(world.planner, by=world.outsider, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.deactivate_user(world.planner, by=world.outsider, successor=None)
    with pytest.raises(PermissionDenied):
        services.create_company(by=world.outsider, organisation=world.org, name="入侵公司")
    assert not world.planner.role_grants.filter(role=Role.ADMIN).exists()
    world.planner.refresh_from_db()
    assert world.planner.is_active
