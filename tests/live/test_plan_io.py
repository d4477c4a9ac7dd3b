"""Live plan Excel out and in (preview → confirm, all or nothing); editable session types and
话术 categories; review actions as planning tasks."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from mediadesk.core.excel import workbook
from mediadesk.live import plan_io, services, types
from mediadesk.live.models import Option, ReviewAction, Session
from mediadesk.planning.models import Task
from tests.conftest import audit_actions
from tests.live.conftest import at, make_session

pytestmark = pytest.mark.django_db


def _export(c, month: str = "2030-03") -> list[list]:  # type: ignore[no-untyped-def]
    wb = load_workbook(io.BytesIO(c.get(f"/live/plan.xlsx?month={month}").content))
    return [list(r) for r in wb.active.iter_rows(values_only=True)]  # type: ignore[union-attr]


def _upload(c, rows: list[list]):  # type: ignore[no-untyped-def]
    data = workbook(rows[0], rows[1:])
    return c.post("/live/plan/import/", {"file": SimpleUploadedFile("plan.xlsx", data)})


def test_exported_plan_edited_and_imported_back_updates_and_creates(login, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    c = login(world.operator)
    rows = _export(c)
    assert rows[0][:4] == ["场次ID", "账号", "标题", "类型"]
    assert rows[1][0] == session.pk and rows[1][2] == "曲江府开盘"
    rows[1][2] = "曲江府加推"
    rows.append(["", "锦程曲江府", "周五夜场", "实景直播", "2030-03-08 19:00", "2030-03-08 21:00",
                 "operator", "", "样板间", ""])  # fmt: skip
    assert _upload(c, rows).status_code == 302
    preview = c.get("/live/plan/import/preview/").content.decode()
    assert "新建 1 场，更新 1 场" in preview and "import-errors" not in preview
    assert Session.objects.count() == 1  # nothing written before confirm
    assert c.post("/live/plan/import/preview/").status_code == 302
    session.refresh_from_db()
    assert session.title == "曲江府加推"
    new = Session.objects.exclude(pk=session.pk).get()
    assert (new.type, new.theme, list(new.anchors.all())) == ("onsite", "样板间", [world.operator])
    assert new.checklist.count() == 10 and new.stages.count() == 3
    assert "live_session.update" in audit_actions("live_session", session.pk)
    assert "live_plan.import" in audit_actions("user", world.operator.pk)


def test_plan_import_with_a_bad_row_writes_nothing(login, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    c = login(world.operator)
    rows = _export(c)
    rows[1][2] = "改了标题"
    rows.append(
        ["", "锦程曲江府", "坏行", "", "2030-03-08 19:00", "2030-03-08 18:00", "", "", "", ""]
    )
    rows.append(
        ["", "不存在的号", "x", "夜场", "2030-03-09 19:00", "2030-03-09 21:00", "", "", "", ""]
    )
    _upload(c, rows)
    page = c.get("/live/plan/import/preview/").content.decode()
    assert "第 3 行" in page and "结束时间必须晚于开始时间" in page
    assert "找不到账号「不存在的号」" in page and "未知的场次类型「夜场」" in page
    c.post("/live/plan/import/preview/")
    session.refresh_from_db()
    assert session.title == "曲江府开盘" and Session.objects.count() == 1


def test_plan_import_refuses_other_scope_and_wrong_role(
    login, world, account, chengdu_account
) -> None:  # type: ignore[no-untyped-def]
    table = plan_io.Table(["账号", "标题", "开始", "结束"],
                          [{"账号": "锦程曲江府", "标题": "x", "开始": "2030-03-04 15:00",
                            "结束": "2030-03-04 17:00"}])  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        plan_io.confirm(table, user=world.operator_cd)
    assert "没有管理该账号直播的权限" in str(exc.value) and Session.objects.count() == 0
    assert login(world.sales_a).get("/live/plan/import/").status_code == 403
    assert login(world.operator).get("/live/plan/import/").status_code == 200
    assert login(world.operator).get("/live/plan/import/preview/").status_code == 302


def test_session_types_are_editable_per_organisation_and_old_records_keep_their_name(
    login, world, account
) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account, type="forum")
    c = login(world.operator)
    r = c.post("/live/options/", {"kind": "session_type", "code": "night", "label": "夜场直播",
                                  "order": "9", "active": "on"})  # fmt: skip
    assert r.status_code == 302
    night = make_session(world, account, type="night", planned_start=at(2030, 3, 6),
                         planned_end=at(2030, 3, 6, 17))  # fmt: skip
    assert "夜场直播" in c.get(f"/live/sessions/{night.pk}/").content.decode()
    c.post("/live/options/", {"kind": "session_type", "code": "forum", "label": "大咖论坛",
                              "order": "3"})  # retire 大咖论坛  # fmt: skip
    assert not types.is_active(world.org.pk, "session_type", "forum")
    with pytest.raises(ValidationError):
        make_session(world, account, type="forum", planned_start=at(2030, 3, 11),
                     planned_end=at(2030, 3, 11, 17))  # fmt: skip
    assert "大咖论坛" in c.get(f"/live/sessions/{session.pk}/").content.decode()
    option = Option.objects.get(organisation=world.org, kind="session_type", code="night")
    assert audit_actions("live_option", option.pk) == ["live_option.create"]
    page = c.get("/live/options/").content.decode()
    assert "夜场直播" in page and "新增直播选项" in page
    bad = c.post("/live/options/", {"kind": "session_type", "code": "X!", "label": "y"})
    assert bad.status_code == 200 and not Option.objects.filter(label="y").exists()
    assert login(world.sales_a).get("/live/options/").status_code == 403
    with pytest.raises(PermissionDenied):
        types.save_option(by=world.sales_a, kind="session_type", code="abc", label="z")


def test_script_categories_are_editable(world) -> None:  # type: ignore[no-untyped-def]
    types.save_option(by=world.operator, kind="script_category", code="loan", label="贷款答疑")
    script = services.save_script(None, by=world.operator, organisation=world.org,
                                  values={"category": "loan", "text": "首付怎么算"})  # fmt: skip
    assert script.category == "loan"
    with pytest.raises(ValidationError):
        services.save_script(None, by=world.operator, organisation=world.org,
                             values={"category": "nope", "text": "x"})  # fmt: skip


def test_data_migration_seeds_lists_and_keeps_codes_in_use(world) -> None:  # type: ignore[no-untyped-def]
    import importlib

    from django.apps import apps

    migration = importlib.import_module("mediadesk.live.migrations.0003_live_options_from_choices")
    migration.forwards(apps, None)
    codes = set(Option.objects.filter(organisation=world.org, kind="session_type")
                .values_list("code", flat=True))  # fmt: skip
    assert {"promo", "onsite", "forum", "brand", "leader"} <= codes
    assert Option.objects.filter(organisation=world.org, kind="script_category").count() == 6


def test_review_actions_become_tasks_and_closing_the_action_closes_the_task(
    login, world, account
) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    for to in ("preparing", "live", "ended"):
        session = services.change_status(session, by=world.operator, to=to)
    c = login(world.operator)
    r = c.post(f"/live/sessions/{session.pk}/review/", {
        "worked": "福利讲清楚", "action_text_1": "开场缩短到 10 分钟",
        "action_owner_1": str(world.operator.pk), "action_due_1": "2030-03-11",
    })  # fmt: skip
    assert r.status_code == 302
    action = ReviewAction.objects.get(session=session)
    task = Task.objects.get(source="live_action", source_key=f"live_action:{action.pk}")
    assert (task.owner, task.status) == (world.operator, "open")
    assert task.due_at is not None and task.due_at.date().isoformat() == "2030-03-11"
    assert "开场缩短到 10 分钟" in c.get(f"/live/sessions/{session.pk}/").content.decode()
    c.post(f"/live/sessions/{session.pk}/actions/{action.pk}/close/")
    action.refresh_from_db()
    task.refresh_from_db()
    assert action.done and action.closed_by == world.operator and task.status == "done"
    assert audit_actions("live_review_action", action.pk) == ["live_action.create",
                                                             "live_action.close"]  # fmt: skip


def test_a_review_action_without_owner_writes_nothing(login, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    for to in ("preparing", "live", "ended"):
        session = services.change_status(session, by=world.operator, to=to)
    r = login(world.operator).post(f"/live/sessions/{session.pk}/review/",
                                   {"action_text_1": "x", "action_due_1": "2030-03-11"})  # fmt: skip
    assert r.status_code == 200 and "请选择负责人" in r.content.decode()
    assert not ReviewAction.objects.exists() and not Task.objects.filter(source="live_action")
    assert Session.objects.get(pk=session.pk).status == "ended"


def test_anchor_ranking_counts_hours_on_air_and_deals_of_session_leads(
    login, world, account, anchor
) -> None:  # type: ignore[no-untyped-def]
    from mediadesk.leads.models import Touch
    from tests.commissions.conftest import make_deal

    session = make_session(world, account, anchors=[anchor])
    for to in ("preparing", "live"):
        session = services.change_status(session, by=world.operator, to=to)
    services.capture_lead(session, by=anchor, phone="13800138001")
    session = services.change_status(session, by=world.operator, to="ended")
    Session.objects.filter(pk=session.pk).update(actual_start=at(2030, 3, 4, 15),
                                                 actual_end=at(2030, 3, 4, 17, 30))  # fmt: skip
    services.save_figures(session, by=world.operator, values={"viewers": 1000, "leads": 9})
    deal = make_deal(world.qujiang, world.operator, units=2, subscribed=at(2030, 3, 20))
    Touch.objects.filter(live_session=session).update(customer=deal.customer)
    make_deal(world.qujiang, world.operator, subscribed=at(2030, 3, 21))  # not from the live
    page = login(world.operator).get("/live/ranking/?month=2030-03").content.decode()
    from mediadesk.live import access, queries

    rows = queries.ranking(access.visible_sessions(world.operator), at(2030, 3, 1), at(2030, 4, 1))
    assert [(r["anchor"], r["sessions"], r["hours"], r["avg_viewers"], r["leads"], r["deals"])
            for r in rows] == [(anchor, 1, 2.5, 1000, 9, 2)]  # fmt: skip
    assert "ranking" in page and "2.5" in page


def test_a_chosen_script_with_a_block_finding_shows_and_keeps_compliance_open(
    login, world, account
) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account, title="曲江府直播")
    clean = services.save_script(None, by=world.operator, organisation=world.org, usable=True,
                                 values={"category": "opening", "text": "欢迎来到{项目名}"})  # fmt: skip
    world.legal.role_grants.create(role="manager", organisation=world.org)
    banned = services.save_script(
        None, by=world.legal, organisation=world.org, usable=True,
        values={"category": "product", "text": "{项目名}全网最低价"}, override_reason="附出处",
    )  # fmt: skip
    assert session.checklist.get(code="compliance").done
    c = login(world.operator)
    c.post(f"/live/sessions/{session.pk}/scripts/", {"scripts": [clean.pk, banned.pk]})
    assert set(session.scripts.values_list("pk", flat=True)) == {clean.pk, banned.pk}
    assert not session.checklist.get(code="compliance").done
    page = c.get(f"/live/sessions/{session.pk}/").content.decode()
    assert "compliance-findings" in page and "全网最低价" in page and "compliance-blocks" in page
    assert "live_session.scripts" in audit_actions("live_session", session.pk)
    c.post(f"/live/sessions/{session.pk}/scripts/", {"scripts": [clean.pk]})
    assert session.checklist.get(code="compliance").done
    assert "compliance-findings" not in c.get(f"/live/sessions/{session.pk}/").content.decode()
    other = login(world.operator_cd).post(f"/live/sessions/{session.pk}/scripts/",
                                          {"scripts": [banned.pk]})  # fmt: skip
    assert other.status_code == 404 and session.scripts.count() == 1
