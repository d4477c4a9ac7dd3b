"""The review services: three steps by three people, risk routing, guards, reopening."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mediadesk.content.models import ContentItem, Status
from mediadesk.core.errors import Conflict, PermissionDenied, ValidationError
from mediadesk.notifications.models import Notification
from mediadesk.review import services
from mediadesk.review.models import ReviewRun, StepState
from tests.conftest import audit_actions
from tests.review.conftest import RISKY_BODY

pytestmark = pytest.mark.django_db


def step(run: ReviewRun, order: int) -> StepState:
    return StepState.objects.select_related("step").get(run=run, order=order)


def statuses(run: ReviewRun) -> list[str]:
    return list(run.steps.order_by("order").values_list("status", flat=True))


def variant_statuses(item: ContentItem) -> set[str]:
    return set(item.variants.values_list("status", flat=True))


def test_item_goes_through_three_steps_with_three_different_users(world: Any, draft: Any) -> None:
    item = draft()
    run = services.submit_item(item, by=world.operator)
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW and variant_statuses(item) == {Status.IN_REVIEW}
    assert run.revision.number == 1 and run.revision.block_count == 0
    assert statuses(run) == ["pending", "waiting", "waiting"]
    assert Notification.objects.filter(recipient=world.planner, kind="review.pending").exists()
    assert not Notification.objects.filter(recipient=world.operator, kind="review.pending").exists()

    services.approve_step(step(run, 1), by=world.planner, comment="主题契合")
    assert Notification.objects.filter(recipient=world.manager, kind="review.pending").exists()
    services.approve_step(step(run, 2), by=world.manager, comment="调性合适")
    services.approve_step(step(run, 3), by=world.legal, comment="无舆情风险")

    run.refresh_from_db()
    item.refresh_from_db()
    assert run.status == ReviewRun.Status.APPROVED and run.finished_at is not None
    assert statuses(run) == ["approved"] * 3
    assert [step(run, i).acted_by for i in (1, 2, 3)] == [world.planner, world.manager, world.legal]
    assert item.status == Status.APPROVED and variant_statuses(item) == {Status.APPROVED}
    assert audit_actions("review_run", run.pk) == ["review.submit"] + ["review.approve"] * 3
    assert "review.item_status" in audit_actions("content_item", item.pk)
    assert Notification.objects.filter(recipient=world.operator, kind="review.result").exists()


def test_block_finding_stops_second_step_until_overridden_with_a_reason(
    world: Any, draft: Any
) -> None:
    item = draft(body=RISKY_BODY)
    run = services.submit_item(item, by=world.operator)
    assert run.revision.block_count >= 2
    assert any(
        f["term"] == "全网最低价" and f["severity"] == "block" for f in run.revision.findings
    )
    services.approve_step(step(run, 1), by=world.planner)

    with pytest.raises(ValidationError) as exc:
        services.approve_step(step(run, 2), by=world.manager, comment="可以")
    assert "override_reason" in exc.value.message_dict
    assert step(run, 2).status == StepState.Status.PENDING
    assert audit_actions("review_run", run.pk) == ["review.submit", "review.approve"]

    pdf = SimpleUploadedFile("证书.pdf", b"%PDF-1.4 certificate", content_type="application/pdf")
    services.approve_step(
        step(run, 2),
        by=world.manager,
        comment="已核实",
        override_reason="已取得比价公证",
        evidence=pdf,
    )
    state = step(run, 2)
    assert state.status == StepState.Status.APPROVED
    assert state.override_reason == "已取得比价公证" and state.override_evidence.name.endswith(
        ".pdf"
    )
    assert audit_actions("review_run", run.pk)[-2:] == ["review.approve", "review.override"]
    assert step(run, 3).status == StepState.Status.PENDING  # legal still has to pass it


def test_risky_revision_walks_a_legal_step_the_workflow_marks_risk_only(
    world: Any, draft: Any
) -> None:
    workflow = services.default_workflow(world.org)
    workflow.steps.filter(order=3).update(only_when_risky=True)
    clean = services.submit_item(draft(title="干净"), by=world.operator)
    risky = services.submit_item(draft(title="有风险", body=RISKY_BODY), by=world.operator)
    assert statuses(clean) == ["pending", "waiting", "skipped"]
    assert statuses(risky) == ["pending", "waiting", "waiting"]
    services.approve_step(step(clean, 1), by=world.planner)
    services.approve_step(step(clean, 2), by=world.manager)
    clean.refresh_from_db()
    assert clean.status == ReviewRun.Status.APPROVED


def test_a_planner_cannot_approve_their_own_item(world: Any, draft: Any) -> None:
    item = draft(owner=world.planner)
    run = services.submit_item(item, by=world.planner)
    with pytest.raises(PermissionDenied, match="不能审核自己"):
        services.approve_step(step(run, 1), by=world.planner)
    assert step(run, 1).status == StepState.Status.PENDING


def test_submitter_who_is_not_the_owner_cannot_approve_either(world: Any, draft: Any) -> None:
    run = services.submit_item(draft(owner=world.operator), by=world.manager_xa)
    with pytest.raises(PermissionDenied, match="不能审核自己"):
        services.approve_step(step(run, 1), by=world.manager_xa)


def test_wrong_role_and_other_scope_cannot_act(world: Any, draft: Any) -> None:
    run = services.submit_item(draft(), by=world.operator)
    with pytest.raises(PermissionDenied, match="审核角色"):
        services.approve_step(step(run, 1), by=world.legal)
    services.approve_step(step(run, 1), by=world.planner)
    chengdu_manager = _user(world, "manager_cd", "manager", world.chengdu)
    with pytest.raises(PermissionDenied):
        services.approve_step(step(run, 2), by=chengdu_manager)


def _user(world: Any, name: str, role: str, scope: Any) -> Any:
    from tests.conftest import make_user

    return make_user(name, world.org, (role, scope))


def test_one_person_cannot_pass_two_steps_of_one_run(world: Any, draft: Any) -> None:
    run = services.submit_item(draft(), by=world.operator)
    services.approve_step(step(run, 1), by=world.manager)
    with pytest.raises(PermissionDenied, match="多个步骤"):
        services.approve_step(step(run, 2), by=world.manager)


def test_double_submit_gives_a_clear_message(world: Any, draft: Any) -> None:
    item = draft()
    services.submit_item(item, by=world.operator)
    with pytest.raises(Conflict, match="已在审核中"):
        services.submit_item(item, by=world.operator)
    assert ReviewRun.objects.filter(item=item).count() == 1


def test_submit_needs_edit_permission_and_a_variant(world: Any, draft: Any) -> None:
    item = draft()
    with pytest.raises(PermissionDenied):
        services.submit_item(item, by=world.legal)
    item.variants.all().delete()
    with pytest.raises(ValidationError, match="平台稿"):
        services.submit_item(item, by=world.operator)
    assert not ReviewRun.objects.filter(item=item).exists()


def test_acting_on_a_step_already_handled_is_a_conflict(world: Any, draft: Any) -> None:
    run = services.submit_item(draft(), by=world.operator)
    stale = step(run, 1)
    services.approve_step(step(run, 1), by=world.planner)
    with pytest.raises(Conflict):
        services.approve_step(stale, by=world.manager_xa)
    assert step(run, 1).acted_by == world.planner


def test_request_changes_requires_a_comment_and_returns_the_item(world: Any, draft: Any) -> None:
    item = draft()
    run = services.submit_item(item, by=world.operator)
    with pytest.raises(ValidationError, match="修改意见"):
        services.request_changes(step(run, 1), by=world.planner, comment="  ")
    assert step(run, 1).status == StepState.Status.PENDING
    services.request_changes(step(run, 1), by=world.planner, comment="第二段数据需核实")
    run.refresh_from_db()
    item.refresh_from_db()
    assert run.status == ReviewRun.Status.CHANGES and item.status == Status.CHANGES
    assert step(run, 1).comment == "第二段数据需核实"
    assert audit_actions("review_run", run.pk)[-1] == "review.changes"
    again = services.submit_item(item, by=world.operator)
    assert again.revision.number == 2


def test_reject_requires_a_reason_and_ends_the_item(world: Any, draft: Any) -> None:
    item = draft()
    run = services.submit_item(item, by=world.operator)
    with pytest.raises(ValidationError):
        services.reject(step(run, 1), by=world.planner, comment="")
    services.reject(step(run, 1), by=world.planner, comment="与项目定位不符")
    item.refresh_from_db()
    assert item.status == Status.REJECTED and variant_statuses(item) == {Status.REJECTED}
    with pytest.raises(ValidationError):
        services.submit_item(item, by=world.operator)


def approve_all(world: Any, run: ReviewRun) -> None:
    for order, user in ((1, world.planner), (2, world.manager), (3, world.legal)):
        services.approve_step(step(run, order), by=user)


def test_edit_after_approval_creates_a_new_revision_and_reopens_review(
    world: Any, draft: Any
) -> None:
    item = draft()
    first = services.submit_item(item, by=world.operator)
    approve_all(world, first)
    variant = item.variants.first()
    variant.body = "改过的正文"
    variant.save()
    reopened = services.on_item_edited(item, by=world.operator)
    assert reopened is not None and reopened.revision.number == 2
    assert reopened.revision.snapshot["variants"][0]["fields"]["body"] == "改过的正文"
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW and variant_statuses(item) == {Status.IN_REVIEW}
    assert statuses(reopened) == ["pending", "waiting", "waiting"]
    first.refresh_from_db()
    assert first.status == ReviewRun.Status.APPROVED  # history stays as it was
    assert audit_actions("review_run", reopened.pk) == ["review.reopen"]


def test_edit_during_review_cancels_the_run_and_restarts_from_step_one(
    world: Any, draft: Any
) -> None:
    item = draft()
    run = services.submit_item(item, by=world.operator)
    services.approve_step(step(run, 1), by=world.planner)
    new = services.on_item_edited(item, by=world.operator)
    run.refresh_from_db()
    assert run.status == ReviewRun.Status.CANCELLED
    assert new is not None and statuses(new) == ["pending", "waiting", "waiting"]
    assert ReviewRun.objects.filter(item=item, status="active").count() == 1


def test_edits_of_drafts_do_nothing(world: Any, draft: Any) -> None:
    item = draft()
    assert services.on_item_edited(item, by=world.operator) is None
    assert not ReviewRun.objects.filter(item=item).exists()


def test_content_services_edit_reopens_an_approved_item(world: Any, draft: Any) -> None:
    from mediadesk.content import services as content_services

    item = draft()
    approve_all(world, services.submit_item(item, by=world.operator))
    content_services.update_item(item, by=world.operator, values={"notes": "补充说明"})
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW
    assert item.revisions.count() == 2
