"""Pure review rules: routing, workflow validation, reminders, snippets and the revision diff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mediadesk.review import diff, rules
from mediadesk.review.rules import StepSpec

ROLES = {"planner", "manager", "legal"}
NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


def default_steps(**third: bool) -> list[StepSpec]:
    return [
        StepSpec(1, "一审", ("planner", "manager")),
        StepSpec(2, "二审", ("manager",), requires_override_for_block=True),
        StepSpec(3, "三审", ("legal",), **third),
    ]


def test_risky_only_step_is_skipped_for_clean_revisions_and_always_runs_when_risky() -> None:
    legal = default_steps(only_when_risky=True)[2]
    assert not rules.applies(legal, risky=False)
    assert rules.applies(legal, risky=True)
    assert rules.applies(default_steps()[0], risky=False)


def test_default_workflow_is_valid() -> None:
    assert rules.workflow_errors(default_steps(), known_roles=ROLES) == []


def test_workflow_without_a_legal_step_is_refused() -> None:
    steps = default_steps()[:2]
    assert any("法务" in e for e in rules.workflow_errors(steps, known_roles=ROLES))


def test_workflow_needs_an_override_step_an_always_step_and_known_roles() -> None:
    steps = [StepSpec(1, "", ("legal", "ghost"), only_when_risky=True)]
    errors = rules.workflow_errors(steps, known_roles=ROLES)
    assert any("名称" in e for e in errors)
    assert any("ghost" in e for e in errors)
    assert any("始终执行" in e for e in errors)
    assert any("放行理由" in e for e in errors)
    assert rules.workflow_errors([], known_roles=ROLES) == ["至少需要一个审核步骤"]


def test_overdue_and_reminder_once_per_period() -> None:
    started = NOW - timedelta(hours=25)
    assert rules.is_overdue(started, hours=24, now=NOW)
    assert not rules.is_overdue(NOW - timedelta(hours=23), hours=24, now=NOW)
    assert rules.needs_reminder(started, None, hours=24, now=NOW)
    assert not rules.needs_reminder(started, NOW - timedelta(hours=1), hours=24, now=NOW)
    assert rules.needs_reminder(started, NOW - timedelta(hours=24), hours=24, now=NOW)


def test_snippet_cuts_the_hit_with_context_and_refuses_bad_offsets() -> None:
    text = "本项目" * 10 + "全网最低价" + "欢迎品鉴" * 10
    cut = rules.snippet(text, 30, 35)
    assert cut is not None and cut.hit == "全网最低价"
    assert cut.before.startswith("…") and cut.after.endswith("…")
    assert rules.snippet(text, 0, 0) is None
    assert rules.snippet(text, 5, 999) is None
    assert rules.snippet(text, None, 3) is None


@given(st.text(max_size=60), st.text(max_size=60))
def test_inline_segments_rebuild_both_texts(before: str, after: str) -> None:
    segments = diff.inline(before, after)
    assert "".join(s.text for s in segments if s.op != "insert") == before
    assert "".join(s.text for s in segments if s.op != "delete") == after


def snap(body: str, *, extra: bool = False) -> dict:
    variants = [{"id": 1, "label": "抖音 · 锦程", "fields": {"body": body, "title": "标题"}}]
    if extra:
        variants.append({"id": 2, "label": "微博 · 锦程", "fields": {"body": "新"}})
    return {"item": {"title": "曲江府"}, "assets": [], "variants": variants}


def test_compare_reports_changed_added_and_removed_variants() -> None:
    labels = {"title": "标题", "body": "正文/脚本"}
    sections = diff.compare(
        snap("全网最低价，欢迎品鉴"), snap("限时特惠，欢迎品鉴", extra=True),
        item_labels={"title": "标题"}, variant_labels=labels,
    )  # fmt: skip
    assert [(s.label, s.state) for s in sections] == [
        ("抖音 · 锦程", "changed"),
        ("微博 · 锦程", "added"),
    ]
    body = sections[0].changes[0]
    assert body.label == "正文/脚本"
    assert ("delete", "全网最低价") in [(s.op, s.text) for s in body.segments]
    removed = diff.compare(snap("a", extra=True), snap("a"), item_labels={}, variant_labels=labels)
    assert [(s.label, s.state) for s in removed] == [("微博 · 锦程", "removed")]
    assert diff.compare(snap("a"), snap("a"), item_labels={}, variant_labels=labels) == []
