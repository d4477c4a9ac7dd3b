"""Lexicon pages and writes: permissions, version bumps, audit, import all-or-nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mediadesk.compliance import services
from mediadesk.compliance.models import Lexicon, PatternRule, Term, WhitelistEntry
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.core.excel import workbook
from tests.conftest import World, audit_actions

PAGES = ["/compliance/", "/compliance/whitelist/", "/compliance/rules/", "/compliance/try/"]
MANAGE_PAGES = ["/compliance/terms/new/", "/compliance/rules/new/", "/compliance/import/"]


def version(world: World) -> int:
    return Lexicon.objects.get(organisation=world.org).version


def test_anonymous_is_sent_to_login(client: Any, world: World) -> None:
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_readers_see_pages_read_only_and_cannot_manage(login: Any, world: World) -> None:
    client = login(world.planner)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "只读" in response.content.decode()
    for url in MANAGE_PAGES:
        assert client.get(url).status_code == 403, url
    term = Term.objects.get(organisation=world.org, term="最好")
    assert client.post(f"/compliance/terms/{term.pk}/toggle/").status_code == 403
    assert Term.objects.get(pk=term.pk).is_active


def test_users_without_the_checker_get_403(login: Any, world: World) -> None:
    for user in (world.sales_a, world.channel):
        client = login(user)
        for url in PAGES:
            assert client.get(url).status_code == 403, (user, url)


def test_legal_sees_the_seeded_default_lexicon_with_filters(login: Any, world: World) -> None:
    client = login(world.legal)
    page = client.get("/compliance/?category=grade&severity=warn").content.decode()
    assert "金牌" in page and "领先" in page and "国家级" not in page
    assert "最好" in client.get("/compliance/?q=最好").content.decode()
    assert "没有符合条件的词语" in client.get("/compliance/?q=不存在的词").content.decode()


def test_other_organisations_terms_are_404(login: Any, world: World) -> None:
    services.lexicon_version(world.other_org)
    theirs = Term.objects.filter(organisation=world.other_org).first()
    assert theirs is not None
    assert login(world.legal).get(f"/compliance/terms/{theirs.pk}/").status_code == 404


def test_legal_adds_a_competitor_name_which_bumps_the_version_and_is_audited(
    login: Any, world: World
) -> None:
    services.lexicon_version(world.org)
    before = version(world)
    response = login(world.legal).post(
        "/compliance/terms/new/",
        {
            "term": "别家·湖畔",
            "category": "competitor",
            "severity": "warn",
            "suggestion": "删除",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    term = Term.objects.get(organisation=world.org, term="别家·湖畔")
    assert term.key == "别家湖畔" and term.origin == "custom"
    assert version(world) == before + 1
    assert audit_actions("compliance_term", term.pk) == ["compliance.term_create"]
    found = services.check_text("对比别家 湖畔的户型", organisation=world.org)
    assert [(f.term, f.severity) for f in found] == [("别家·湖畔", "warn")]


def test_duplicate_and_whitelisted_terms_are_refused(world: World) -> None:
    services.lexicon_version(world.org)
    for word, message in (("最 好", "词库中已有"), ("首付", "白名单")):
        with pytest.raises(ValidationError) as exc:
            services.save_term(None, by=world.legal, organisation=world.org,
                               values={"term": word, "category": "sensitive", "severity": "block"})  # fmt: skip
        assert message in str(exc.value)


def test_deactivating_a_term_stops_it_being_flagged(login: Any, world: World) -> None:
    assert services.check_text("直播秒杀", organisation=world.org)
    term = Term.objects.get(organisation=world.org, term="秒杀")
    login(world.legal).post(f"/compliance/terms/{term.pk}/toggle/")
    assert not Term.objects.get(pk=term.pk).is_active
    assert services.check_text("直播秒杀", organisation=world.org) == []
    assert audit_actions("compliance_term", term.pk) == ["compliance.term_update"]


def test_only_own_organisation_managers_write(world: World) -> None:
    values = {"term": "测试词", "category": "sensitive", "severity": "warn"}
    with pytest.raises(PermissionDenied):
        services.save_term(None, by=world.planner, organisation=world.org, values=values)
    with pytest.raises(PermissionDenied):
        services.save_term(None, by=world.outsider, organisation=world.org, values=values)
    assert not Term.objects.filter(term="测试词").exists()


def test_whitelist_addition_suppresses_a_term(login: Any, world: World) -> None:
    assert services.check_text("云境第一湾", organisation=world.org)
    response = login(world.legal).post(
        "/compliance/whitelist/", {"phrase": "第一湾", "note": "项目楼盘名"}
    )
    assert response.status_code == 302
    entry = WhitelistEntry.objects.get(organisation=world.org, phrase="第一湾")
    assert audit_actions("compliance_whitelist", entry.pk) == ["compliance.whitelist_create"]
    assert services.check_text("云境第一湾", organisation=world.org) == []


def test_pattern_rules_validate_the_regex_and_apply(login: Any, world: World) -> None:
    client = login(world.legal)
    base = {
        "code": "wechat-id",
        "message": "不要留个人微信",
        "category": "sensitive",
        "severity": "warn",
        "is_active": "on",
    }
    bad = client.post("/compliance/rules/new/", {**base, "regex": "(a+)+"})
    assert bad.status_code == 200 and "嵌套" in bad.content.decode()
    broken = client.post("/compliance/rules/new/", {**base, "regex": "(微信"})
    assert "正则表达式有误" in broken.content.decode()
    assert (
        client.post(
            "/compliance/rules/new/", {**base, "regex": r"(加|\+)?v(x|信)?\d{5,}"}
        ).status_code
        == 302
    )
    rule = PatternRule.objects.get(organisation=world.org, code="wechat-id")
    assert audit_actions("compliance_pattern", rule.pk) == ["compliance.pattern_create"]
    found = services.check_text("详询加V 138000", organisation=world.org)
    assert [f.rule for f in found] == ["pattern:wechat-id"]


def test_try_page_shows_findings(login: Any, world: World) -> None:
    page = (
        login(world.planner)
        .post("/compliance/try/", {"text": "最 好的家，首付三成"})
        .content.decode()
    )
    assert page.count('data-testid="finding"') == 1 and "最 好" in page


def test_export_then_reimport_changes_nothing(login: Any, world: World) -> None:
    client = login(world.legal)
    client.get("/compliance/")
    exported = client.get("/compliance/terms/export/")
    assert exported.status_code == 200
    before = sorted(
        Term.objects.filter(organisation=world.org).values_list(
            "term", "category", "severity", "suggestion", "basis", "is_active"
        )
    )
    upload = SimpleUploadedFile("词库.xlsx", exported.content)
    assert client.post("/compliance/import/", {"file": upload}).status_code == 302
    preview = client.get("/compliance/import/preview/").content.decode()
    assert 'data-testid="confirm"' in preview
    assert client.post("/compliance/import/confirm/").status_code == 302
    after = sorted(
        Term.objects.filter(organisation=world.org).values_list(
            "term", "category", "severity", "suggestion", "basis", "is_active"
        )
    )
    assert after == before
    assert audit_actions("lexicon", Lexicon.objects.get(organisation=world.org).pk) == [
        "compliance.import"
    ]


def test_import_with_a_bad_row_writes_nothing(login: Any, world: World) -> None:
    client = login(world.legal)
    client.get("/compliance/")
    count, head = Term.objects.count(), version(world)
    rows = [
        ["竞品甲", "竞品名称", "提示", "", "", "启用"],
        ["竞品乙", "不存在的类别", "提示", "", "", ""],
        ["竞品甲", "竞品名称", "禁止", "", "", ""],
    ]
    data = workbook(["词语", "类别", "级别", "建议替换", "法律依据", "状态"], rows)
    client.post("/compliance/import/", {"file": SimpleUploadedFile("bad.xlsx", data)})
    preview = client.get("/compliance/import/preview/").content.decode()
    assert "无法识别“不存在的类别”" in preview and "与第 2 行重复" in preview
    assert 'data-testid="confirm"' not in preview
    response = client.post("/compliance/import/confirm/")
    assert response.status_code == 200 and "没有写入任何数据" in response.content.decode()
    assert Term.objects.count() == count and version(world) == head
