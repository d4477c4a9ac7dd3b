"""Standards report (filters, counts, export) and the platforms / rules admin pages."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from mediadesk.core.models import AuditEntry
from mediadesk.matrix.models import Account, Platform, StandardRule
from tests.conftest import World
from tests.matrix.conftest import Matrix, make_account, platform

pytestmark = pytest.mark.django_db


def report_names(response: Any) -> set[str]:
    return {account.name for account, _ in response.context["page"].object_list}


def test_the_report_lists_every_visible_account_with_counts_per_rule(
    world: World, login: Any, matrix: Matrix
) -> None:
    response = login(world.manager).get(reverse("matrix:standards"))
    assert response.status_code == 200
    assert report_names(response) == {a.name for a in Account.objects.all()}
    counts = {c.code: c.count for c in response.context["counts"]}
    assert counts["name_missing_brand"] == 1  # 云境小郑
    assert counts["parent_missing"] == 1
    assert counts["avatar_missing"] == 5
    assert 'data-testid="count-avatar_missing"' in response.content.decode()


def test_the_report_puts_the_worst_accounts_first(world: World, login: Any, matrix: Matrix) -> None:
    report = login(world.manager).get(reverse("matrix:standards")).context["page"].object_list
    errors = [sum(f.severity == "error" for f in findings) for _, findings in report]
    assert errors == sorted(errors, reverse=True)
    assert report[0][0] == matrix.orphan  # no brand keyword, no bio


def test_the_report_filters_by_severity_platform_and_level(
    world: World, login: Any, matrix: Matrix
) -> None:
    make_account(world, name="锦程官方微博", level=1, platform=platform("weibo"), bio="好" * 80)
    client = login(world.manager)
    weibo = client.get(reverse("matrix:standards"), {"platform": "weibo"})
    assert report_names(weibo) == {"锦程官方微博"}
    assert "bio_too_long" in {c.code for c in weibo.context["counts"]}
    level3 = client.get(reverse("matrix:standards"), {"level": 3})
    assert report_names(level3) == {"锦程曲江府-小孙", "云境小郑"}
    errors = client.get(reverse("matrix:standards"), {"severity": "info"})
    assert all(f.severity == "info" for _, fs in errors.context["page"].object_list for f in fs)


def test_a_disabled_rule_disappears_from_the_report(
    world: World, login: Any, matrix: Matrix
) -> None:
    StandardRule.objects.filter(code="avatar_missing").update(enabled=False)
    response = login(world.manager).get(reverse("matrix:standards"))
    assert "avatar_missing" not in {c.code for c in response.context["counts"]}


def test_sales_see_the_report_of_their_own_accounts_only(
    world: World, login: Any, matrix: Matrix
) -> None:
    response = login(world.sales_a).get(reverse("matrix:standards"))
    assert report_names(response) == {"锦程曲江府-小孙"}


def test_the_report_exports_one_row_per_finding(world: World, login: Any, matrix: Matrix) -> None:
    response = login(world.manager).get(reverse("matrix:standards_export"), {"level": 3})
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("账号", "平台", "层级")
    orphan_rows = [r for r in rows[1:] if r[0] == "云境小郑"]
    assert {r[7] for r in orphan_rows} >= {"name_missing_brand", "parent_missing"}
    assert "账号名称缺少品牌关键词“锦程”" in {r[8] for r in orphan_rows}


@pytest.mark.parametrize(
    "name,args",
    [("matrix:platforms", []), ("matrix:platform_create", []), ("matrix:rules", [])],
)
@pytest.mark.parametrize("persona", ["manager", "operator", "sales_a"])
def test_only_admins_reach_the_platform_and_rule_pages(
    world: World, login: Any, name: str, args: list[Any], persona: str
) -> None:
    assert login(world.users[persona]).get(reverse(name, args=args)).status_code == 403


def test_anonymous_users_are_sent_to_login(client: Any) -> None:
    response = client.get(reverse("matrix:platforms"))
    assert response.status_code == 302 and "/login/" in response.url


def platform_data(p: Platform, **changes: Any) -> dict[str, Any]:
    data = {
        "code": p.code, "name": p.name, "name_max_len": p.name_max_len or "",
        "bio_max_len": p.bio_max_len or "", "sort": p.sort, "is_active": "on",
        "supports_live": "on" if p.supports_live else "",
    }  # fmt: skip
    data.update(changes)
    return data


def test_an_admin_changes_a_platform_limit_and_it_is_audited(world: World, login: Any) -> None:
    weibo = platform("weibo")
    response = login(world.admin).post(
        reverse("matrix:platform_edit", args=[weibo.pk]), platform_data(weibo, bio_max_len=100)
    )
    assert response.status_code == 302
    assert Platform.objects.get(pk=weibo.pk).bio_max_len == 100
    entry = AuditEntry.objects.get(action="platform.update", target_id=str(weibo.pk))
    assert entry.changes["bio_max_len"] == [70, 100]


def test_an_admin_adds_a_platform_and_a_duplicate_code_is_refused(world: World, login: Any) -> None:
    client = login(world.admin)
    data = {
        "code": "toutiao",
        "name": "今日头条",
        "bio_max_len": 60,
        "sort": 110,
        "is_active": "on",
    }
    assert client.post(reverse("matrix:platform_create"), data).status_code == 302
    assert Platform.objects.get(code="toutiao").bio_max_len == 60
    assert AuditEntry.objects.filter(action="platform.create").count() == 1
    response = client.post(reverse("matrix:platform_create"), {**data, "name": "头条2"})
    assert response.context["form"].errors["code"] == ["平台代码已存在"]
    assert Platform.objects.filter(code="toutiao").count() == 1


def test_an_admin_rewords_and_disables_a_rule(world: World, login: Any) -> None:
    rule = StandardRule.objects.get(code="banner_missing")
    response = login(world.admin).post(
        reverse("matrix:rule_edit", args=[rule.pk]),
        {"message": "请上传背景图", "severity": "warning"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.message, rule.severity, rule.enabled) == ("请上传背景图", "warning", False)
    entry = AuditEntry.objects.get(action="standard_rule.update")
    assert entry.changes["enabled"] == ["是", "否"]


def test_every_admin_and_form_page_renders_for_an_admin(
    world: World, login: Any, matrix: Matrix
) -> None:
    client = login(world.admin)
    pk, rule = matrix.qujiang.pk, StandardRule.objects.first()
    assert rule is not None
    for url in [
        reverse("matrix:platforms"),
        reverse("matrix:platform_create"),
        reverse("matrix:platform_edit", args=[platform("weibo").pk]),
        reverse("matrix:rules"),
        reverse("matrix:rule_edit", args=[rule.pk]),
        reverse("matrix:edit", args=[pk]),
        reverse("matrix:custody", args=[pk]),
        reverse("matrix:credential_add", args=[pk]),
        reverse("matrix:import"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["nav_active"] == "matrix"
