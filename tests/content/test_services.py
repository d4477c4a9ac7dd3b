"""Content services: permission and scope, audit, edit versions, reschedule, review hook."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mediadesk.content import queries, services
from mediadesk.content.models import ContentItem, Status, TopicCategory, Variant
from mediadesk.core.models import AuditEntry
from tests.conftest import audit_actions
from tests.content.conftest import Plan, aware


def test_create_item_is_a_draft_in_the_planners_company_and_audited(plan: Plan) -> None:
    item = plan.item(status=Status.APPROVED)  # a status in the values is ignored
    assert (item.status, item.company, item.created_by) == (
        "draft",
        plan.world.xian,
        plan.world.planner,
    )
    assert audit_actions("content_item", item.pk) == ["content.create"]


def test_update_item_bumps_version_audits_and_calls_review(plan: Plan, monkeypatch: Any) -> None:
    calls: list[tuple[int, Any]] = []
    monkeypatch.setattr(
        "mediadesk.review.services.on_item_edited", lambda item, *, by: calls.append((item.pk, by))
    )
    item = plan.item()
    variant = plan.variant(item)
    item.refresh_from_db()
    assert item.edit_version == 2 and calls == [(item.pk, plan.world.planner)]
    services.update_item(
        item, by=plan.world.planner, values={"title": "新标题", "status": "published"}
    )
    item.refresh_from_db()
    assert (item.title, item.status, item.edit_version) == ("新标题", "draft", 3)
    entry = AuditEntry.objects.filter(action="content.update", target_id=str(item.pk)).get()
    assert entry.changes["title"] == ["美好西安｜城墙夜色", "新标题"]
    services.update_item(item, by=plan.world.planner, values={"title": "新标题"})  # no change
    item.refresh_from_db()
    assert item.edit_version == 3 and len(calls) == 2
    variant.refresh_from_db()
    assert variant.status == "draft" and variant.platform.code == "douyin"


def test_operator_of_another_company_cannot_edit_a_xian_item(plan: Plan) -> None:
    item = plan.item()
    with pytest.raises(PermissionDenied):
        services.update_item(item, by=plan.world.operator_cd, values={"title": "改"})
    with pytest.raises(PermissionDenied):
        services.add_variant(
            item, by=plan.world.operator_cd, values={"account": plan.accounts["douyin"]}
        )
    with pytest.raises(PermissionDenied):
        plan.item(by=plan.world.operator_cd, company=plan.world.xian)
    assert ContentItem.objects.get(pk=item.pk).title == "美好西安｜城墙夜色"
    assert not queries.visible_items(plan.world.operator_cd).filter(pk=item.pk).exists()


def test_variant_cannot_target_another_companys_account_or_repeat_an_account(plan: Plan) -> None:
    item = plan.item()
    with pytest.raises(ValidationError) as exc:
        plan.variant(item, account=plan.tianfu_dy, by=plan.world.admin)
    assert "其他城市公司" in str(exc.value)
    plan.variant(item)
    with pytest.raises(ValidationError):
        plan.variant(item)
    assert Variant.objects.filter(item=item).count() == 1


def test_reschedule_is_audited_with_old_and_new_time(plan: Plan) -> None:
    day = timezone.localdate()
    variant = plan.variant(plan.item(), planned_at=aware(day, 10))
    services.reschedule_variant(
        variant, by=plan.world.operator, planned_at=aware(day + dt.timedelta(days=2), 18)
    )
    variant.refresh_from_db()
    assert variant.planned_at == aware(day + dt.timedelta(days=2), 18)
    entry = AuditEntry.objects.get(action="content.reschedule", target_id=str(variant.pk))
    assert entry.target_type == "variant" and entry.actor == plan.world.operator
    assert (
        entry.changes["planned_at"][0].startswith(day.isoformat()[:10])
        or entry.changes["planned_at"][0]
    )
    assert entry.changes["planned_at"][1] != entry.changes["planned_at"][0]


def test_reschedule_keeps_an_approved_item_approved_without_reopening_review(
    plan: Plan, monkeypatch: Any
) -> None:
    item = plan.item()
    variant = plan.variant(item, planned_at=aware(timezone.localdate(), 10))
    calls: list[int] = []
    monkeypatch.setattr(
        "mediadesk.review.services.on_item_edited", lambda item, *, by: calls.append(item.pk)
    )
    ContentItem.objects.filter(pk=item.pk).update(status=Status.APPROVED)
    Variant.objects.filter(pk=variant.pk).update(status=Status.APPROVED)
    version = ContentItem.objects.get(pk=item.pk).edit_version
    services.reschedule_variant(
        variant, by=plan.world.planner, planned_at=aware(timezone.localdate(), 20)
    )
    item.refresh_from_db()
    variant.refresh_from_db()
    assert (item.status, variant.status, item.edit_version) == ("approved", "approved", version)
    assert calls == []


def test_reschedule_refuses_published_variants_and_other_scopes(plan: Plan) -> None:
    variant = plan.variant(plan.item(), planned_at=aware(timezone.localdate()))
    with pytest.raises(PermissionDenied):
        services.reschedule_variant(
            variant, by=plan.world.operator_cd, planned_at=aware(timezone.localdate(), 9)
        )
    Variant.objects.filter(pk=variant.pk).update(
        status=Status.PUBLISHED, published_at=timezone.now()
    )
    with pytest.raises(ValidationError):
        services.reschedule_variant(
            variant, by=plan.world.planner, planned_at=aware(timezone.localdate(), 9)
        )
    with pytest.raises(ValidationError):
        services.update_variant(variant, by=plan.world.planner, values={"title": "改"})
    assert not AuditEntry.objects.filter(action="content.reschedule").exists()


def test_default_categories_are_created_once_per_organisation(plan: Plan) -> None:
    services.ensure_categories(plan.world.org, by=plan.world.planner)
    services.ensure_categories(plan.world.org, by=plan.world.planner)
    names = list(
        TopicCategory.objects.filter(organisation=plan.world.org).values_list("name", flat=True)
    )
    assert names == ["产品类", "品牌类", "活动类", "服务类", "行业类"]
    category = TopicCategory.objects.get(name="行业类")
    services.save_category(
        category, by=plan.world.planner, organisation=plan.world.org, values={"name": "行业观察"}
    )
    assert audit_actions("topic_category", category.pk) == [
        "topic_category.create",
        "topic_category.update",
    ]
    with pytest.raises(PermissionDenied):
        services.save_category(
            None, by=plan.world.sales_a, organisation=plan.world.org, values={"name": "X"}
        )


def test_nodes_between_expands_the_monthly_live(plan: Plan) -> None:
    org, by = plan.world.org, plan.world.planner
    values = {
        "kind": "live",
        "starts_on": dt.date(2026, 1, 1),
        "monthly_day": 20,
        "company": plan.world.xian,
    }
    services.save_node(None, by=by, organisation=org, values={"name": "城市领导直播", **values})
    services.save_node(None, by=by, organisation=org, values={
        "name": "双11", "kind": "promotion", "starts_on": dt.date(2026, 11, 1), "ends_on": dt.date(2026, 11, 11),
        "company": plan.world.xian})  # fmt: skip
    occurrences = queries.nodes_between(by, dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    assert [(o.name, o.start, o.end) for o in occurrences] == [
        ("城市领导直播", dt.date(2026, 10, 20), dt.date(2026, 10, 20)),
        ("双11", dt.date(2026, 11, 1), dt.date(2026, 11, 11)),
        ("城市领导直播", dt.date(2026, 11, 20), dt.date(2026, 11, 20)),
    ]
    assert (
        queries.nodes_between(plan.world.sales_a, dt.date(2026, 10, 1), dt.date(2026, 11, 30)) == []
    )
    with pytest.raises(ValidationError):
        services.save_node(
            None, by=by, organisation=org, values={**values, "name": "坏", "monthly_day": 40}
        )


def test_best_time_defaults_are_installed_per_platform(db: Any) -> None:
    douyin = queries.best_times("douyin")
    assert {"starts": "17:00", "ends": "19:00", "weekend": False}.items() <= douyin[1].items()
    assert any(w["weekend"] for w in douyin)
    [*_, night] = queries.best_times("xiaohongshu")
    assert night["overnight"] and "次日02:00" in night["label"]
    assert "19:00–21:30（黄金档）" in queries.best_time_hints()["wechat_mp"]
