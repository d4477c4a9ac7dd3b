"""Review pages: who sees what, acting through the page, export, publish marks, workflows."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from mediadesk.content.models import Status
from mediadesk.review import exports, services
from mediadesk.review.models import ReviewRun, StepState, Workflow
from tests.conftest import audit_actions
from tests.review.conftest import RISKY_BODY

pytestmark = pytest.mark.django_db
QUEUE_QUERIES = 12
LIST_QUERIES = 14


def step(run: ReviewRun, order: int) -> StepState:
    return StepState.objects.get(run=run, order=order)


@pytest.fixture
def run(world: Any, draft: Any) -> ReviewRun:
    return services.submit_item(draft(), by=world.operator)


@pytest.mark.parametrize("name", ["queue", "runs", "export"])
def test_lists_refuse_anonymous_and_sales(client: Any, login: Any, world: Any, name: str) -> None:
    url = f"/review/{ {'queue': '', 'runs': 'all/', 'export': 'all/export.xlsx'}[name] }"
    assert client.get(url).status_code == 302
    assert login(world.sales_a).get(url).status_code == 403


def test_sales_and_other_scopes_cannot_open_a_review(
    login: Any, world: Any, run: ReviewRun
) -> None:
    assert login(world.sales_a).get(f"/review/runs/{run.pk}/").status_code == 403
    assert login(world.operator_cd).get(f"/review/runs/{run.pk}/").status_code == 404
    assert login(world.outsider).get(f"/review/runs/{run.pk}/").status_code == 404


def test_queue_shows_only_steps_the_user_can_act_on(login: Any, world: Any, run: ReviewRun) -> None:
    page = login(world.planner).get("/review/").content.decode()
    assert "曲江府园林开放" in page and "一审 内容策划" in page
    assert "曲江府园林开放" not in login(world.legal).get("/review/").content.decode()
    assert "没有等待您审核的内容" in login(world.operator).get("/review/").content.decode()


def test_review_page_approves_through_the_form(login: Any, world: Any, run: ReviewRun) -> None:
    client = login(world.planner)
    page = client.get(f"/review/runs/{run.pk}/").content.decode()
    assert 'data-testid="action-form"' in page
    response = client.post(f"/review/runs/{run.pk}/steps/1/approve/", {"comment": "好"})
    assert response.status_code == 302
    state = step(run, 1)
    assert state.status == "approved" and state.acted_by == world.planner and state.comment == "好"


def test_own_item_page_shows_the_reason_and_post_changes_nothing(
    login: Any, world: Any, draft: Any
) -> None:
    own = services.submit_item(draft(owner=world.planner), by=world.planner)
    client = login(world.planner)
    page = client.get(f"/review/runs/{own.pk}/").content.decode()
    assert "不能审核自己负责或提交的内容" in page and 'data-testid="action-form"' not in page
    response = client.post(
        f"/review/runs/{own.pk}/steps/1/approve/", {"comment": "自审"}, follow=True
    )
    assert "不能审核自己负责或提交的内容" in response.content.decode()
    assert step(own, 1).status == "pending"
    assert audit_actions("review_run", own.pk) == ["review.submit"]


def test_changes_without_comment_shows_the_message(login: Any, world: Any, run: ReviewRun) -> None:
    response = login(world.planner).post(f"/review/runs/{run.pk}/steps/1/changes/", {}, follow=True)
    assert "要求修改时必须填写修改意见" in response.content.decode()
    assert step(run, 1).status == "pending"


def test_override_needed_is_shown_and_enforced(login: Any, world: Any, draft: Any) -> None:
    risky = services.submit_item(draft(body=RISKY_BODY), by=world.operator)
    services.approve_step(step(risky, 1), by=world.planner)
    client = login(world.manager)
    page = client.get(f"/review/runs/{risky.pk}/").content.decode()
    assert "放行理由（存在禁止级问题，必填）" in page and "<mark" in page and "全网最低价" in page
    client.post(f"/review/runs/{risky.pk}/steps/2/approve/", {"comment": "ok"})
    assert step(risky, 2).status == "pending"
    client.post(f"/review/runs/{risky.pk}/steps/2/approve/", {"override_reason": "已公证"})
    assert step(risky, 2).override_reason == "已公证"
    assert "review.override" in audit_actions("review_run", risky.pk)


def test_evidence_of_the_wrong_type_is_refused(login: Any, world: Any, draft: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    risky = services.submit_item(draft(body=RISKY_BODY), by=world.operator)
    services.approve_step(step(risky, 1), by=world.planner)
    bad = SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = login(world.manager).post(
        f"/review/runs/{risky.pk}/steps/2/approve/",
        {"override_reason": "r", "evidence": bad},
        follow=True,
    )
    assert "证明材料仅支持 PDF 或图片" in response.content.decode()
    assert step(risky, 2).status == "pending"


def test_submit_from_the_item_panel(login: Any, world: Any, draft: Any) -> None:
    item = draft()
    assert login(world.sales_a).post(f"/review/items/{item.pk}/submit/").status_code == 403
    client = login(world.operator)
    response = client.post(f"/review/items/{item.pk}/submit/", {"next": "/content/"})
    assert response.status_code == 302 and response["Location"] == "/content/"
    assert ReviewRun.objects.filter(item=item, status="active").count() == 1
    again = client.post(f"/review/items/{item.pk}/submit/", follow=True)
    assert "已在审核中" in again.content.decode()
    assert ReviewRun.objects.filter(item=item).count() == 1


def test_export_has_exactly_the_template_two_columns(
    login: Any, world: Any, run: ReviewRun
) -> None:
    services.approve_step(step(run, 1), by=world.planner, comment="主题契合")
    services.approve_step(step(run, 2), by=world.manager, comment="调性合适")
    services.approve_step(step(run, 3), by=world.legal, comment="无风险")
    response = login(world.manager).get("/review/all/export.xlsx?status=approved")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [
        "内容标题", "提交日期", "一审人(内容策划)", "一审意见", "二审人(部门经理)", "二审意见",
        "三审人(法务)", "三审意见", "最终结果", "审核完成时间",
    ]  # fmt: skip
    assert list(rows[0]) == exports.HEADERS
    row = rows[1]
    assert row[0] == "曲江府园林开放" and row[2] == "planner" and row[3] == "通过：主题契合"
    assert row[4] == "manager" and row[6] == "legal" and row[8] == "通过" and row[9] is not None
    assert len(rows) == 2


def test_runs_list_filters(login: Any, world: Any, run: ReviewRun, draft: Any) -> None:
    other = services.submit_item(draft(title="另一条"), by=world.operator)
    services.request_changes(step(other, 1), by=world.planner, comment="改")
    client = login(world.manager)
    assert "另一条" not in client.get("/review/all/?status=active").content.decode()
    page = client.get("/review/all/?step=一审 内容策划").content.decode()
    assert "曲江府园林开放" in page and "另一条" not in page
    assert "没有符合条件" in client.get("/review/all/?since=2099-01-01").content.decode()
    assert client.get("/review/all/?since=bad&submitter=abc&page=x").status_code == 200


def approved(world: Any, run: ReviewRun) -> None:
    for order, user in ((1, world.planner), (2, world.manager), (3, world.legal)):
        services.approve_step(step(run, order), by=user)


def test_operator_marks_variants_published_and_withdrawn(
    login: Any, world: Any, run: ReviewRun
) -> None:
    approved(world, run)
    first, second = list(run.item.variants.order_by("pk"))
    assert login(world.planner).post(f"/review/variants/{first.pk}/publish/", {
        "url": "https://www.douyin.com/video/1", "published_at": "2025-01-02T10:00"}).status_code == 302  # fmt: skip
    first.refresh_from_db()
    assert first.status == Status.APPROVED  # planner lacks content.publish
    client = login(world.operator)
    client.post(f"/review/variants/{first.pk}/publish/", {"url": "javascript:alert(1)", "published_at": "2025-01-02T10:00"})  # fmt: skip
    first.refresh_from_db()
    assert first.status == Status.APPROVED
    client.post(f"/review/variants/{first.pk}/publish/", {"url": "https://www.douyin.com/video/1", "published_at": "2025-01-02T10:00"})  # fmt: skip
    first.refresh_from_db()
    assert first.status == Status.PUBLISHED and first.published_url.endswith("/video/1")
    assert audit_actions("variant", first.pk)[-1] == "variant.mark_published"
    again = client.post(f"/review/variants/{first.pk}/publish/", {"url": "https://x.cn/2", "published_at": "2025-01-02T11:00"}, follow=True)  # fmt: skip
    assert "只有已通过或已排期" in again.content.decode()
    client.post(f"/review/variants/{second.pk}/withdraw/", {"reason": ""})
    second.refresh_from_db()
    assert second.status == Status.APPROVED
    client.post(f"/review/variants/{second.pk}/withdraw/", {"reason": "活动取消"})
    second.refresh_from_db()
    assert second.status == Status.WITHDRAWN and second.withdrawn_reason == "活动取消"
    run.item.refresh_from_db()
    assert run.item.status == Status.PUBLISHED
    blocked = client.post(f"/review/variants/{second.pk}/publish/", {"url": "https://x.cn/3", "published_at": "2025-01-02T11:00"})  # fmt: skip
    assert blocked.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.WITHDRAWN


def test_workflows_admin_permissions(client: Any, login: Any, world: Any) -> None:
    assert client.get("/review/workflows/").status_code == 302
    assert login(world.planner).get("/review/workflows/").status_code == 403
    assert login(world.manager_xa).get("/review/workflows/").status_code == 403
    page = login(world.manager).get("/review/workflows/").content.decode()
    assert "三级审核（默认）" in page and "二审 部门经理" in page


def step_post(rows: list[dict[str, Any]], **head: Any) -> dict[str, Any]:
    data = {"name": "短视频流程", "form": "short_video", "remind_after_hours": "12", "is_active": "on",
            "steps-TOTAL_FORMS": str(len(rows)), "steps-INITIAL_FORMS": "0", **head}  # fmt: skip
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"steps-{i}-{key}"] = value
    return data


def test_manager_defines_a_workflow_per_form(login: Any, world: Any, draft: Any) -> None:
    client = login(world.manager)
    rows = [
        {"name": "初审", "roles": ["planner"]},
        {"name": "终审", "roles": ["manager", "legal"], "requires_override_for_block": "on"},
    ]
    bad = client.post("/review/workflows/new/", step_post(rows[:1]))
    assert (
        "法务" in bad.content.decode() and not Workflow.objects.filter(name="短视频流程").exists()
    )
    assert client.post("/review/workflows/new/", step_post(rows)).status_code == 302
    workflow = Workflow.objects.get(name="短视频流程")
    assert workflow.remind_after_hours == 12
    assert list(workflow.steps.values_list("name", "roles")) == [
        ("初审", ["planner"]),
        ("终审", ["manager", "legal"]),
    ]
    assert audit_actions("workflow", workflow.pk) == ["workflow.create"]
    run = services.submit_item(draft(form="short_video"), by=world.operator)
    assert run.workflow == workflow and run.steps.count() == 2
    rows[1]["name"] = "终审（法务）"
    assert client.post(f"/review/workflows/{workflow.pk}/", step_post(rows)).status_code == 302
    workflow.refresh_from_db()
    assert not workflow.is_active  # used by a run: retired, a new version replaces it
    assert (
        Workflow.objects.get(form="short_video", is_active=True)
        .steps.filter(name="终审（法务）")
        .exists()
    )
    assert step(run, 2).step.name == "终审"


def test_item_page_panel_offers_submit_then_shows_the_steps(
    login: Any, world: Any, draft: Any
) -> None:
    item = draft()
    client = login(world.operator)
    page = client.get(f"/content/items/{item.pk}/").content.decode()
    assert 'data-testid="review-panel"' in page and f"/review/items/{item.pk}/submit/" in page
    services.submit_item(item, by=world.operator)
    page = client.get(f"/content/items/{item.pk}/").content.decode()
    assert f"/review/items/{item.pk}/submit/" not in page and "一审 内容策划" in page
    assert "不能审核自己负责或提交的内容" in page
    reviewer = login(world.planner).get(f"/content/items/{item.pk}/").content.decode()
    assert "去审核（一审 内容策划）" in reviewer


def test_diff_between_revisions_is_shown(login: Any, world: Any, draft: Any) -> None:
    item = draft(body="全网最低价，欢迎品鉴")
    first = services.submit_item(item, by=world.operator)
    services.request_changes(step(first, 1), by=world.planner, comment="删掉绝对化用语")
    item.variants.update(body="限时特惠，欢迎品鉴")
    item.refresh_from_db()
    second = services.submit_item(item, by=world.operator)
    page = login(world.planner).get(f"/review/runs/{second.pk}/").content.decode()
    assert "与修订 r1 的差异" in page
    assert "<del>全网最低价</del>" in page and "<ins>限时特惠</ins>" in page


def test_queue_and_list_query_counts_do_not_grow_with_rows(
    login: Any, world: Any, draft: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(4):
        services.submit_item(draft(title=f"第{n}条"), by=world.operator)
    client = login(world.planner)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        assert "第3条" in client.get("/review/").content.decode()
    with django_assert_max_num_queries(LIST_QUERIES):
        assert "第3条" in client.get("/review/all/").content.decode()
