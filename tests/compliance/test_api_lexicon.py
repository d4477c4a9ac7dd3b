"""The lexicon through the API: the lists answer the pages' rows for the same query and
persona; writes go through the pages' forms and services (same rows, same audit); the
import is upload → preview → confirm, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mediadesk.compliance.models import Lexicon, PatternRule, Term, WhitelistEntry
from mediadesk.core.excel import workbook
from tests.api.parity import assert_same_rows, audit_of, same_audit
from tests.conftest import World, audit_actions

pytestmark = pytest.mark.django_db

READERS = ("legal", "planner", "manager", "sales_a")


def version(world: World) -> int:
    return Lexicon.objects.get(organisation=world.org).version


def test_term_lists_answer_the_same_rows(world: World, login: Any, api: Any) -> None:
    login(world.legal).get("/compliance/")  # seeds the default lexicon
    cases = [{}, {"category": "absolute"}, {"severity": "block"}, {"status": "active"},
             {"q": "最"}, {"sort": "term"}]  # fmt: skip
    listed = 0
    for name in READERS:
        user = getattr(world, name)
        listed += assert_same_rows(login(user), api(user), "/compliance/", "/api/v1/compliance/terms",
                                   cases, limit=50)  # fmt: skip
    assert listed >= 5  # real rows on both sides, not two empty lists
    odd = api(world.legal).get("/api/v1/compliance/terms", {"category": "nonsense"})
    assert odd.status_code == 422 and odd.json()["errors"][0]["field"] == "category"


def test_whitelist_and_pattern_lists_answer_the_same_rows(
    world: World, login: Any, api: Any
) -> None:
    login(world.legal).get("/compliance/")
    for name in READERS:
        user = getattr(world, name)
        assert_same_rows(login(user), api(user), "/compliance/whitelist/",
                         "/api/v1/compliance/whitelist", [{}, {"q": "首"}], limit=50)  # fmt: skip
        assert_same_rows(login(user), api(user), "/compliance/rules/", "/api/v1/compliance/patterns",
                         [{}], limit=50, key="rules")  # fmt: skip
    assert PatternRule.objects.filter(organisation=world.org).exists()


def test_a_term_written_through_the_api_is_what_the_page_writes(
    world: World, login: Any, api: Any
) -> None:
    login(world.legal).get("/compliance/")
    values = {"category": "competitor", "severity": "warn", "suggestion": "", "basis": ""}
    page = audit_of(lambda: login(world.legal).post(
        "/compliance/terms/new/", {"term": "竞品甲", **values, "is_active": "on"}))  # fmt: skip
    on_api = audit_of(lambda: api(world.legal).post(
        "/api/v1/compliance/terms", {"term": "竞品乙", **values}, content_type="application/json"))  # fmt: skip
    same_audit(page, on_api)
    a, b = (Term.objects.get(organisation=world.org, term=t) for t in ("竞品甲", "竞品乙"))
    assert (a.category, a.severity, a.is_active) == (b.category, b.severity, b.is_active)
    head = version(world)
    changed = api(world.legal).patch(f"/api/v1/compliance/terms/{b.pk}", {"is_active": False},
                                     content_type="application/json")  # fmt: skip
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    b.refresh_from_db()
    assert b.is_active is False and b.category == "competitor" and version(world) == head + 1
    assert audit_actions("compliance_term", b.pk)[-1] == "compliance.term_update"


def test_lexicon_writes_are_for_legal_only_and_bad_input_changes_nothing(
    world: World, api: Any
) -> None:
    api(world.legal).get("/api/v1/compliance/terms")
    head, count = version(world), Term.objects.count()
    body = {"term": "竞品丙", "category": "competitor", "severity": "warn"}
    for name in ("planner", "manager", "sales_a"):
        answer = api(getattr(world, name)).post("/api/v1/compliance/terms", body,
                                                content_type="application/json")  # fmt: skip
        assert answer.status_code == 403
    bad = api(world.legal).post("/api/v1/compliance/terms", {**body, "category": "nonsense"},
                                content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "category"
    regex = api(world.legal).post(
        "/api/v1/compliance/patterns",
        {
            "code": "bad-re",
            "message": "x",
            "regex": "(",
            "category": "absolute",
            "severity": "warn",
        },
        content_type="application/json",
    )
    assert regex.status_code == 400
    assert Term.objects.count() == count and version(world) == head
    assert not PatternRule.objects.filter(code="bad-re").exists()


def test_whitelist_and_patterns_through_the_api(world: World, api: Any) -> None:
    client = api(world.legal)
    made = client.post("/api/v1/compliance/whitelist", {"phrase": "第一次置业", "note": "常用语"},
                       content_type="application/json")  # fmt: skip
    assert made.status_code == 201
    entry = WhitelistEntry.objects.get(pk=made.json()["id"])
    off = client.patch(f"/api/v1/compliance/whitelist/{entry.pk}", {"is_active": False},
                       content_type="application/json")  # fmt: skip
    assert off.status_code == 200
    entry.refresh_from_db()
    assert entry.is_active is False and entry.note == "常用语"
    assert audit_actions("compliance_whitelist", entry.pk) == [
        "compliance.whitelist_create", "compliance.whitelist_update"]  # fmt: skip
    rule = client.post(
        "/api/v1/compliance/patterns",
        {"code": "travel-x", "message": "车程需注明起点", "regex": "\\d+分钟", "category": "absolute",
         "severity": "warn"}, content_type="application/json")  # fmt: skip
    assert rule.status_code == 201, rule.json()
    pk = rule.json()["id"]
    client.patch(f"/api/v1/compliance/patterns/{pk}", {"severity": "info"},
                 content_type="application/json")  # fmt: skip
    saved = PatternRule.objects.get(pk=pk)
    assert (saved.severity, saved.regex) == ("info", "\\d+分钟")


def test_the_import_previews_then_writes_all_or_nothing(world: World, api: Any) -> None:
    client = api(world.legal)
    client.get("/api/v1/compliance/terms")
    count, head = Term.objects.count(), version(world)
    headers = ["词语", "类别", "级别", "建议替换", "法律依据", "状态"]
    bad = workbook(headers, [["竞品甲", "竞品名称", "提示", "", "", "启用"],
                             ["竞品乙", "不存在的类别", "提示", "", "", ""]])  # fmt: skip
    preview = client.post(
        "/api/v1/compliance/imports", {"file": SimpleUploadedFile("bad.xlsx", bad)}
    )
    assert preview.status_code == 200 and preview.json()["ok"] is False
    refused = client.post(f"/api/v1/compliance/imports/{preview.json()['token']}/confirm")
    assert refused.status_code == 400 and Term.objects.count() == count
    good = workbook(headers, [["竞品甲", "竞品名称", "提示", "", "", "启用"]])
    token = client.post("/api/v1/compliance/imports",
                        {"file": SimpleUploadedFile("ok.xlsx", good)}).json()["token"]  # fmt: skip
    assert api(world.planner).post(f"/api/v1/compliance/imports/{token}/confirm").status_code == 403
    done = client.post(f"/api/v1/compliance/imports/{token}/confirm")
    assert done.json() == {"created": 1, "updated": 0}
    assert Term.objects.count() == count + 1 and version(world) > head
    again = client.post(f"/api/v1/compliance/imports/{token}/confirm")
    assert again.status_code == 404
