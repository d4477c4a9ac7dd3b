"""GET/POST /api/v1/accounts, GET/PATCH /api/v1/accounts/{id}, …/standards."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.core.models import AuditEntry
from mediadesk.matrix import queries
from mediadesk.matrix.models import Account, Platform
from tests.api.conftest import Tree, json_patch, json_post
from tests.conftest import World, audit_actions

URL = "/api/v1/accounts"


def test_sales_gets_403_creating_an_account_and_nothing_is_created(
    world: World, tree: Tree, api: Any
) -> None:
    before = Account.objects.count()
    r = json_post(
        api(world.sales_a),
        URL,
        {
            "platform": "douyin",
            "name": "锦程小王",
            "level": 3,
            "parent": tree.xian.pk,
            "project": world.qujiang.pk,
        },
    )
    assert r.status_code == 403
    assert r.json()["detail"]
    assert Account.objects.count() == before
    assert not AuditEntry.objects.filter(action="account.create", actor=world.sales_a).exists()


def _create_level3(world: World, tree: Tree, api: Any) -> tuple[Any, dict[str, Any]]:
    douyin = Platform.objects.get(code="douyin")
    assert douyin.bio_max_len is not None
    body = {
        "platform": "douyin",
        "name": "王顾问说房",  # lacks the brand keyword 锦程
        "level": 3,
        "parent": tree.xian.pk,
        "project": world.qujiang.pk,
        "custodian": world.sales_a.pk,
        "bio": "关注我，带你看遍曲江好房。" * 40,
        "bound_phone": "+86 138 1234 5678",
        "followers": 1200,
    }
    assert len(body["bio"]) > douyin.bio_max_len
    return api(world.manager), body


def test_manager_creates_a_level3_account_and_it_is_stored_in_the_users_organisation(
    world: World, tree: Tree, api: Any
) -> None:
    client, body = _create_level3(world, tree, api)
    r = json_post(client, URL, body)
    assert r.status_code == 201, r.content
    data = r.json()
    account = Account.objects.get(pk=data["id"])
    assert account.organisation == world.org
    assert (account.level, account.parent, account.project, account.company) == (
        3,
        tree.xian,
        world.qujiang,
        world.xian,
    )
    assert account.custodian == world.sales_a
    assert account.bio == body["bio"]
    assert account.bound_phone == "13812345678"
    assert data["platform"] == "douyin"
    assert data["platform_name"] == "抖音"
    assert data["bound_phone"] == "138****5678"
    assert data["custodian"] == world.sales_a.pk
    assert data["custodian_name"] == "sales_a"
    assert (data["parent"], data["company"], data["project"]) == (
        tree.xian.pk,
        world.xian.pk,
        world.qujiang.pk,
    )
    assert data["status"] == "active"
    assert data["followers"] == 1200


def test_standards_report_the_long_bio_and_the_missing_brand_keyword(
    world: World, tree: Tree, api: Any
) -> None:
    client, body = _create_level3(world, tree, api)
    account_id = json_post(client, URL, body).json()["id"]
    r = client.get(f"{URL}/{account_id}/standards")
    assert r.status_code == 200
    data = r.json()
    codes = {f["code"] for f in data["items"]}
    assert {"bio_too_long", "name_missing_brand"} <= codes
    assert data["count"] == len(data["items"])
    by_code = {f["code"]: f for f in data["items"]}
    assert by_code["bio_too_long"]["field"] == "bio"
    assert by_code["bio_too_long"]["severity"] == "error"
    assert "250" in by_code["bio_too_long"]["message"]
    assert "锦程" in by_code["name_missing_brand"]["message"]


def test_a_compliant_account_has_neither_finding(world: World, tree: Tree, api: Any) -> None:
    r = api(world.manager).get(f"{URL}/{tree.xian.pk}/standards")
    codes = {f["code"] for f in r.json()["items"]}
    assert "bio_too_long" not in codes
    assert "name_missing_brand" not in codes


def test_the_creation_is_audited_with_source_api_and_readable_through_the_audit_api(
    world: World, tree: Tree, api: Any
) -> None:
    client, body = _create_level3(world, tree, api)
    account_id = json_post(client, URL, body).json()["id"]
    entry = AuditEntry.objects.get(action="account.create", target_id=str(account_id))
    assert (entry.source, entry.actor, entry.target_type) == ("api", world.manager, "account")
    assert entry.changes["name"] == [None, "王顾问说房"]

    r = client.get("/api/v1/audit", {"target_type": "account", "target_id": account_id})
    assert r.status_code == 200
    items = r.json()["items"]
    assert [(i["action"], i["source"], i["actor"]) for i in items] == [
        ("account.create", "api", "manager")
    ]
    assert items[0]["action_label"] == "创建账号"
    assert items[0]["target_id"] == str(account_id)
    assert items[0]["changes"]["level"] == [None, "三级账号（员工/顾问）"]

    denied = api(world.sales_a).get(
        "/api/v1/audit", {"target_type": "account", "target_id": account_id}
    )
    assert denied.status_code == 403


def test_an_account_created_via_the_api_appears_in_the_matrix_tree(
    world: World, tree: Tree, api: Any, login: Any
) -> None:
    client, body = _create_level3(world, tree, api)
    account_id = json_post(client, URL, body).json()["id"]
    assert queries.visible_accounts(world.manager).filter(pk=account_id).exists()
    page = login(world.manager).get("/matrix/")
    assert page.status_code == 200
    assert "王顾问说房" in page.content.decode()


def test_the_created_account_is_listed_and_readable(world: World, tree: Tree, api: Any) -> None:
    client, body = _create_level3(world, tree, api)
    account_id = json_post(client, URL, body).json()["id"]
    listed = client.get(URL, {"level": 3}).json()
    assert [a["id"] for a in listed["items"]] == [account_id]
    assert listed["count"] == 1
    assert client.get(f"{URL}/{account_id}").json()["name"] == "王顾问说房"


# --- scope -----------------------------------------------------------------------------


def test_anonymous_gets_401_everywhere(world: World, tree: Tree, client: Any) -> None:
    before = Account.objects.count()
    for method, url in [("get", URL), ("get", f"{URL}/{tree.xian.pk}"), ("get", f"{URL}/{tree.xian.pk}/standards"),
                        ("get", "/api/v1/platforms"), ("get", "/api/v1/projects"), ("get", "/api/v1/audit")]:  # fmt: skip
        assert getattr(client, method)(url).status_code == 401, url
    r = json_post(client, URL, {"platform": "douyin", "name": "锦程", "level": 1})
    assert r.status_code == 401
    assert r.json() == {"detail": "未登录或令牌无效", "errors": []}
    assert json_patch(client, f"{URL}/{tree.xian.pk}", {"name": "x"}).status_code == 401
    assert Account.objects.count() == before
    tree.xian.refresh_from_db()
    assert tree.xian.name == "锦程曲江府"


def test_other_scope_operator_cannot_see_or_patch_a_xian_account(
    world: World, tree: Tree, api: Any
) -> None:
    client = api(world.operator_cd)
    ids = {a["id"] for a in client.get(URL).json()["items"]}
    assert ids == {tree.brand.pk, tree.chengdu.pk}
    assert client.get(f"{URL}/{tree.xian.pk}").status_code == 404
    assert client.get(f"{URL}/{tree.xian.pk}/standards").status_code == 404
    r = json_patch(client, f"{URL}/{tree.xian.pk}", {"name": "锦程被改"})
    assert r.status_code == 404
    tree.xian.refresh_from_db()
    assert tree.xian.name == "锦程曲江府"
    assert audit_actions("account", tree.xian.pk) == ["account.create"]


def test_other_scope_operator_may_patch_an_account_of_their_own_city(
    world: World, tree: Tree, api: Any
) -> None:
    r = json_patch(api(world.operator_cd), f"{URL}/{tree.chengdu.pk}", {"followers": 88})
    assert r.status_code == 200
    tree.chengdu.refresh_from_db()
    assert tree.chengdu.followers == 88


def test_outsider_sees_nothing(world: World, tree: Tree, api: Any) -> None:
    client = api(world.outsider)
    assert client.get(URL).json() == {"items": [], "count": 0}
    assert client.get(f"{URL}/{tree.brand.pk}").status_code == 404
    assert json_patch(client, f"{URL}/{tree.brand.pk}", {"name": "别家"}).status_code == 404
    assert client.get("/api/v1/projects").json() == {"items": [], "count": 0}
    audit = client.get("/api/v1/audit").json()["items"]
    assert [(i["action"], i["actor"]) for i in audit] == [("api_token.create", "outsider")]
    tree.brand.refresh_from_db()
    assert tree.brand.name == "锦程置业"


def test_view_only_planner_gets_403_on_patch(world: World, tree: Tree, api: Any) -> None:
    client = api(world.planner)
    assert client.get(f"{URL}/{tree.xian.pk}").status_code == 200
    r = json_patch(client, f"{URL}/{tree.xian.pk}", {"name": "锦程改名"})
    assert r.status_code == 403
    tree.xian.refresh_from_db()
    assert tree.xian.name == "锦程曲江府"


def test_city_manager_cannot_create_in_another_citys_project(
    world: World, tree: Tree, api: Any
) -> None:
    before = Account.objects.count()
    r = json_post(
        api(world.manager_xa),
        URL,
        {
            "platform": "douyin",
            "name": "锦程天府小李",
            "level": 3,
            "parent": tree.chengdu.pk,
            "project": world.tianfu.pk,
        },
    )
    # The 成都 parent is invisible to a 西安 manager, so it does not exist for them.
    assert r.status_code == 400
    assert {e["field"] for e in r.json()["errors"]} == {"parent"}
    r = json_post(
        api(world.manager_xa),
        URL,
        {
            "platform": "weibo",
            "name": "锦程天府",
            "level": 2,
            "parent": tree.brand.pk,
            "project": world.tianfu.pk,
        },
    )
    assert r.status_code == 403
    assert Account.objects.count() == before


# --- PATCH -----------------------------------------------------------------------------


def test_patch_changes_only_the_sent_fields_and_audits_before_and_after(
    world: World, tree: Tree, api: Any
) -> None:
    tree.xian.bio = "关注锦程曲江府"
    tree.xian.save()
    r = json_patch(api(world.operator), f"{URL}/{tree.xian.pk}",
                   {"name": "锦程·曲江府官方", "followers": 5000, "status": "paused"})  # fmt: skip
    assert r.status_code == 200, r.content
    assert r.json()["name"] == "锦程·曲江府官方"
    tree.xian.refresh_from_db()
    assert (tree.xian.name, tree.xian.followers, tree.xian.status) == (
        "锦程·曲江府官方",
        5000,
        "paused",
    )
    assert tree.xian.bio == "关注锦程曲江府"
    assert tree.xian.project == world.qujiang
    entry = AuditEntry.objects.get(action="account.update", target_id=str(tree.xian.pk))
    assert entry.source == "api"
    assert entry.actor == world.operator
    assert entry.changes == {
        "name": ["锦程曲江府", "锦程·曲江府官方"],
        "followers": [None, 5000],
        "status": ["正常", "暂停"],
    }


def test_patch_of_the_custodian_is_audited_as_a_custody_transfer(
    world: World, tree: Tree, api: Any
) -> None:
    r = json_patch(api(world.manager), f"{URL}/{tree.xian.pk}", {"custodian": world.operator.pk})
    assert r.status_code == 200
    assert r.json()["custodian"] == world.operator.pk
    tree.xian.refresh_from_db()
    assert tree.xian.custodian == world.operator
    assert audit_actions("account", tree.xian.pk) == ["account.create", "account.custody_transfer"]


def test_patch_can_unset_a_link_with_null(world: World, tree: Tree, api: Any) -> None:
    tree.xian.custodian = world.operator
    tree.xian.save()
    r = json_patch(api(world.manager), f"{URL}/{tree.xian.pk}", {"custodian": None})
    assert r.status_code == 200
    tree.xian.refresh_from_db()
    assert tree.xian.custodian is None


def test_patch_with_a_rule_violation_is_400_and_changes_nothing(
    world: World, tree: Tree, api: Any
) -> None:
    r = json_patch(api(world.manager), f"{URL}/{tree.xian.pk}", {"level": 3, "name": "锦程新名"})
    assert r.status_code == 400
    assert r.json()["errors"]
    tree.xian.refresh_from_db()
    assert (tree.xian.level, tree.xian.name) == (2, "锦程曲江府")
    assert audit_actions("account", tree.xian.pk) == ["account.create"]


def test_patch_of_an_unknown_account_is_404(world: World, tree: Tree, api: Any) -> None:
    assert json_patch(api(world.manager), f"{URL}/999999", {"name": "x"}).status_code == 404


# --- input errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"platform": "tiktok"}, "platform"),
        ({"parent": 987654}, "parent"),
        ({"project": 987654}, "project"),
        ({"custodian": 987654}, "custodian"),
        ({"company": 987654}, "company"),
        ({"bound_phone": "12345"}, "bound_phone"),
    ],
)
def test_unknown_links_are_field_errors_not_500(
    world: World, tree: Tree, api: Any, extra: dict[str, Any], field: str
) -> None:
    before = Account.objects.count()
    body = {
        "platform": "douyin",
        "name": "锦程曲江府2",
        "level": 2,
        "parent": tree.brand.pk,
        **extra,
    }
    r = json_post(api(world.manager), URL, body)
    assert r.status_code == 400
    assert r.json()["detail"]
    assert field in {e["field"] for e in r.json()["errors"]}
    assert Account.objects.count() == before


def test_a_custodian_of_another_organisation_is_refused(world: World, tree: Tree, api: Any) -> None:
    body = {
        "platform": "douyin",
        "name": "锦程2",
        "level": 2,
        "parent": tree.brand.pk,
        "custodian": world.outsider.pk,
    }
    r = json_post(api(world.manager), URL, body)
    assert r.status_code == 400
    assert [e["field"] for e in r.json()["errors"]] == ["custodian"]


def test_a_level3_account_under_the_brand_is_a_service_error(
    world: World, tree: Tree, api: Any
) -> None:
    body = {"platform": "douyin", "name": "锦程小王", "level": 3, "parent": tree.brand.pk}
    r = json_post(api(world.manager), URL, body)
    assert r.status_code == 400
    assert r.json()["errors"] == [{"field": "parent", "message": "3级账号的上级必须是2级账号"}]
    assert not Account.objects.filter(name="锦程小王").exists()


def test_schema_errors_name_the_field_in_chinese(world: World, tree: Tree, api: Any) -> None:
    r = json_post(
        api(world.manager),
        URL,
        {"platform": "douyin", "name": "x" * 61, "level": 4, "colour": "red"},
    )
    assert r.status_code == 422
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert errors == {"name": "不能超过 60 个字符", "level": "不能大于 3", "colour": "不支持的字段"}


# --- list ------------------------------------------------------------------------------


def test_list_filters(world: World, tree: Tree, api: Any) -> None:
    client = api(world.manager)

    def ids(**params: Any) -> set[int]:
        r = client.get(URL, params)
        assert r.status_code == 200, r.content
        return {a["id"] for a in r.json()["items"]}

    assert ids() == {tree.brand.pk, tree.xian.pk, tree.chengdu.pk}
    assert ids(level=2) == {tree.xian.pk, tree.chengdu.pk}
    assert ids(project=world.tianfu.pk) == {tree.chengdu.pk}
    assert ids(company=world.xian.pk) == {tree.xian.pk}
    assert ids(q="天府") == {tree.chengdu.pk}
    assert ids(platform="weibo") == set()
    assert ids(status="paused") == set()
    assert ids(level="") == {tree.brand.pk, tree.xian.pk, tree.chengdu.pk}


def test_list_pagination_and_count(world: World, tree: Tree, api: Any) -> None:
    client = api(world.manager)
    everything = client.get(URL).json()
    assert everything["count"] == 3
    first = client.get(URL, {"limit": 2}).json()
    second = client.get(URL, {"limit": 2, "offset": 2}).json()
    assert first["count"] == second["count"] == 3
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    assert [a["id"] for a in first["items"] + second["items"]] == [
        a["id"] for a in everything["items"]
    ]
    assert client.get(URL, {"offset": 10}).json() == {"items": [], "count": 3}


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 501}, {"limit": "ten"}, {"offset": -1}, {"level": 4}, {"status": "gone"},
     {"project": "abc"}, {"company": 10**30}, {"q": "x" * 101}, {"q": "a\x00b"}],
)  # fmt: skip
def test_bad_list_parameters_are_422(
    world: World, tree: Tree, api: Any, params: dict[str, Any]
) -> None:
    r = api(world.manager).get(URL, params)
    assert r.status_code == 422
    assert r.json()["errors"]


def test_patch_refuses_null_for_required_fields(world: World, tree: Tree, api: Any) -> None:
    r = json_patch(api(world.manager), f"{URL}/{tree.xian.pk}", {"name": None, "level": None})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "name", "message": "不能为空"},
        {"field": "level", "message": "不能为空"},
    ]


def test_patch_moves_an_account_to_another_project_of_the_same_city(
    world: World, tree: Tree, api: Any
) -> None:
    r = json_patch(api(world.manager_xa), f"{URL}/{tree.xian.pk}", {"project": world.yunjing.pk})
    assert r.status_code == 200
    tree.xian.refresh_from_db()
    assert (tree.xian.project, tree.xian.company) == (world.yunjing, world.xian)
    entry = AuditEntry.objects.get(action="account.update", target_id=str(tree.xian.pk))
    assert entry.changes == {"project": ["锦程·曲江府", "锦程·高新云境"]}
    to_chengdu = {"project": world.tianfu.pk, "company": world.chengdu.pk}
    moved_away = json_patch(api(world.manager_xa), f"{URL}/{tree.xian.pk}", to_chengdu)
    assert moved_away.status_code == 403
    tree.xian.refresh_from_db()
    assert tree.xian.project == world.yunjing


def test_the_list_costs_the_same_queries_for_many_accounts(
    world: World, tree: Tree, api: Any, django_assert_max_num_queries: Any
) -> None:
    client = api(world.manager)
    for n in range(30):
        json_post(client, URL, {"platform": "weibo", "name": f"锦程顾问{n}", "level": 3,
                                "parent": tree.xian.pk, "custodian": world.sales_a.pk})  # fmt: skip
    client.get(URL)  # the token's last-use stamp is written on first use only
    with django_assert_max_num_queries(6):
        data = client.get(URL, {"limit": 500}).json()
    assert data["count"] == 33
    assert {a["custodian_name"] for a in data["items"] if a["level"] == 3} == {"sales_a"}
