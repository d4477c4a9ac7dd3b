"""Matrix tree, account list and the Excel export: scoping, filters, shape, query counts."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from mediadesk.matrix.models import Account
from tests.conftest import World
from tests.matrix.conftest import Matrix, make_account, platform

pytestmark = pytest.mark.django_db


def shown_ids(response: Any) -> set[int]:
    """Account ids of the nodes of a tree page."""
    html = response.content.decode()
    return {a.pk for a in Account.objects.all() if f'data-testid="node-{a.pk}"' in html}


@pytest.mark.parametrize(
    "name", ["matrix:tree", "matrix:list", "matrix:export", "matrix:standards"]
)
def test_anonymous_users_are_sent_to_login(client: Any, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("orgs:login"))


def test_a_user_without_matrix_rights_gets_403(world: World, login: Any, matrix: Matrix) -> None:
    client = login(world.channel)
    assert client.get(reverse("matrix:tree")).status_code == 403
    assert client.get(reverse("matrix:export")).status_code == 403


def test_the_tree_nests_accounts_by_level_and_groups_orphans(
    world: World, login: Any, matrix: Matrix
) -> None:
    response = login(world.manager).get(reverse("matrix:tree"))
    assert response.status_code == 200
    tree = response.context["tree"]
    [root] = tree.roots
    assert root.account == matrix.brand
    assert {c.account for c in root.children} == {matrix.qujiang, matrix.tianfu}
    [qujiang] = [c for c in root.children if c.account == matrix.qujiang]
    assert [c.account for c in qujiang.children] == [matrix.sales_a_acc]
    assert [o.account for o in tree.orphans] == [matrix.orphan]
    html = response.content.decode()
    assert "未挂接上级" in html and "md-level-3" in html
    assert "新建账号" in html and "导入" in html


def test_the_tree_counts_standards_errors_and_warnings_per_node(
    world: World, login: Any, matrix: Matrix
) -> None:
    tree = login(world.manager).get(reverse("matrix:tree")).context["tree"]
    orphan = tree.orphans[0]
    # 云境小郑: no 锦程 in the name, no bio (errors); no parent, no avatar (warnings).
    assert orphan.errors >= 2
    assert orphan.warnings >= 2


def test_a_filter_keeps_the_matches_with_their_ancestors(
    world: World, login: Any, matrix: Matrix
) -> None:
    response = login(world.manager).get(reverse("matrix:tree"), {"q": "小孙"})
    assert shown_ids(response) == {matrix.brand.pk, matrix.qujiang.pk, matrix.sales_a_acc.pk}
    tree = response.context["tree"]
    assert tree.matched == 1
    assert tree.roots[0].matched is False


def test_filters_by_custodian_and_status(world: World, login: Any, matrix: Matrix) -> None:
    client = login(world.manager)
    response = client.get(reverse("matrix:tree"), {"custodian": world.operator_cd.pk})
    assert shown_ids(response) == {matrix.brand.pk, matrix.tianfu.pk}
    response = client.get(reverse("matrix:tree"), {"status": "paused"})
    assert shown_ids(response) == set()
    assert "没有符合条件的账号" in response.content.decode()


def test_sales_see_only_the_accounts_they_hold(world: World, login: Any, matrix: Matrix) -> None:
    response = login(world.sales_a).get(reverse("matrix:tree"))
    assert shown_ids(response) == {matrix.sales_a_acc.pk}
    assert "新建账号" not in response.content.decode()
    listed = login(world.sales_a).get(reverse("matrix:list")).context["page"].object_list
    assert list(listed) == [matrix.sales_a_acc]


def test_a_company_scoped_operator_does_not_see_the_other_company(
    world: World, login: Any, matrix: Matrix
) -> None:
    response = login(world.operator).get(reverse("matrix:tree"))
    assert matrix.tianfu.pk not in shown_ids(response)
    assert matrix.qujiang.pk in shown_ids(response)


def test_the_list_filters_by_level_and_sorts_by_followers(
    world: World, login: Any, matrix: Matrix
) -> None:
    client = login(world.manager)
    level2 = client.get(reverse("matrix:list"), {"level": 2}).context["page"].object_list
    assert {a.pk for a in level2} == {matrix.qujiang.pk, matrix.tianfu.pk}
    Account.objects.filter(pk=matrix.tianfu.pk).update(followers=100)
    by_followers = client.get(reverse("matrix:list"), {"sort": "-followers"}).context["page"]
    assert [a.pk for a in by_followers.object_list][:2] == [matrix.brand.pk, matrix.tianfu.pk]
    by_name = client.get(reverse("matrix:list"), {"sort": "name"}).context["page"].object_list
    names = [a.name for a in by_name]
    assert names == sorted(names)


def test_the_list_pages_by_fifty(world: World, login: Any) -> None:
    for i in range(55):
        make_account(world, name=f"锦程顾问{i:02d}", level=3, project=world.qujiang)
    client = login(world.manager)
    first = client.get(reverse("matrix:list")).context["page"]
    assert len(first.object_list) == 50 and first.paginator.count == 55
    second = client.get(reverse("matrix:list"), {"page": 2}).context["page"]
    assert len(second.object_list) == 5


def test_the_export_has_chinese_headers_the_filtered_rows_and_a_masked_phone(
    world: World, login: Any, matrix: Matrix
) -> None:
    response = login(world.manager).get(reverse("matrix:export"), {"level": 2})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    headers = rows[0]
    assert headers[:4] == ("平台", "账号名称", "层级", "上级账号")
    assert "绑定手机" in headers and "负责人" in headers
    by_name = {r[1]: dict(zip(headers, r, strict=True)) for r in rows[1:]}
    assert set(by_name) == {"锦程曲江府", "锦程天府"}
    assert by_name["锦程曲江府"]["绑定手机"] == "138****5678"
    assert by_name["锦程曲江府"]["上级账号"] == "锦程置业"
    assert b"13812345678" not in response.content


def test_the_export_of_a_sales_user_holds_only_their_accounts(
    world: World, login: Any, matrix: Matrix
) -> None:
    response = login(world.sales_a).get(reverse("matrix:export"))
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [r[1] for r in ws.iter_rows(min_row=2, values_only=True)] == ["锦程曲江府-小孙"]


@pytest.fixture
def thirty_accounts(world: World, matrix: Matrix) -> None:
    for i in range(25):
        make_account(
            world, name=f"锦程顾问{i:02d}", level=3, parent=matrix.qujiang, project=world.qujiang,
            custodian=world.operator, platform=platform("douyin"),
        )  # fmt: skip


def test_the_tree_query_count_does_not_grow_with_accounts(
    world: World, login: Any, thirty_accounts: None, django_assert_max_num_queries: Any
) -> None:
    client = login(world.manager)
    with django_assert_max_num_queries(17):  # +1: live's recurring slots (live_slots_missing)
        response = client.get(reverse("matrix:tree"))
    qujiang = next(c for c in response.context["tree"].roots[0].children if c.children)
    assert len(qujiang.children) == 26


def test_the_list_query_count_does_not_grow_with_accounts(
    world: World, login: Any, thirty_accounts: None, django_assert_max_num_queries: Any
) -> None:
    client = login(world.manager)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("matrix:list"))
    assert response.context["page"].paginator.count == 30
