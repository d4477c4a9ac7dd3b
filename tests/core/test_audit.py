"""The audit trail: who, from where, what changed, in which order; never edited."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from mediadesk.core import audit, context
from mediadesk.core.middleware import RequestContextMiddleware
from mediadesk.core.models import AuditEntry
from tests.conftest import World

MEDIADESK = Path(__file__).resolve().parents[2] / "mediadesk"


def recording_view(target: Any, actor: Any) -> Any:
    def view(request: HttpRequest) -> HttpResponse:
        audit.record(
            actor=actor, action="project.update", target=target, changes={"name": ["旧", "新"]}
        )
        return HttpResponse("ok")

    return view


def test_a_web_request_stamps_source_request_id_and_ip(world: World) -> None:
    middleware = RequestContextMiddleware(recording_view(world.qujiang, world.manager))
    request = RequestFactory().post(
        "/settings/", headers={"X-Request-ID": "req-7f3a"}, REMOTE_ADDR="10.1.2.3"
    )
    response = middleware(request)
    entry = AuditEntry.objects.get(action="project.update")
    assert (entry.source, entry.request_id, entry.ip) == ("web", "req-7f3a", "10.1.2.3")
    assert entry.actor == world.manager
    assert entry.actor_label == "manager"
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "project",
        str(world.qujiang.pk),
        "锦程·曲江府",
    )
    assert response["X-Request-ID"] == "req-7f3a"


def test_an_api_request_is_marked_api_and_gets_a_fresh_request_id(world: World) -> None:
    middleware = RequestContextMiddleware(recording_view(world.qujiang, world.admin))
    response = middleware(RequestFactory().post("/api/v1/projects/1"))
    entry = AuditEntry.objects.get()
    assert entry.source == "api"
    assert re.fullmatch(r"[0-9a-f]{32}", entry.request_id)
    assert response["X-Request-ID"] == entry.request_id


def test_an_overlong_request_id_header_is_cut_to_the_column(world: World) -> None:
    middleware = RequestContextMiddleware(recording_view(world.qujiang, world.admin))
    middleware(RequestFactory().get("/", headers={"X-Request-ID": "x" * 200}))
    assert AuditEntry.objects.get().request_id == "x" * 36


def test_two_requests_get_different_request_ids(world: World) -> None:
    middleware = RequestContextMiddleware(recording_view(world.qujiang, world.admin))
    middleware(RequestFactory().get("/"))
    middleware(RequestFactory().get("/"))
    assert len(set(AuditEntry.objects.values_list("request_id", flat=True))) == 2


def test_the_cli_origin_marks_entries_as_cli(world: World) -> None:
    with context.acting_from("cli") as origin:
        audit.record(actor=None, action="user.create", target=world.planner)
    entry = AuditEntry.objects.get()
    assert entry.source == "cli"
    assert entry.request_id == origin.request_id != ""
    assert entry.actor is None
    assert entry.actor_label == "系统"


def test_the_origin_is_restored_after_leaving_a_context(world: World) -> None:
    with context.acting_from("task"), context.acting_from("cli"):
        assert context.current().source == "cli"
    assert context.current().source == "system"
    audit.record(actor="导入脚本", action="user.create", target=world.planner)
    entry = AuditEntry.objects.get()
    assert (entry.source, entry.actor_label) == ("system", "导入脚本")


def test_snapshot_turns_values_into_plain_json(world: World) -> None:
    world.planner.deactivated_at = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
    snap = audit.snapshot(
        world.planner, ["username", "organisation", "deactivated_at", "is_active"]
    )
    assert snap == {
        "username": "planner",
        "organisation": "锦程置业集团",
        "deactivated_at": "2025-03-01T09:30:00+00:00",
        "is_active": "是",
    }


def test_diff_lists_only_changed_fields_as_before_after_pairs() -> None:
    before = {"name": "曲江府", "level": 2, "bio": ""}
    after = {"name": "曲江府", "level": 3, "bio": "直播看房", "status": "active"}
    assert audit.diff(before, after) == {
        "level": [2, 3],
        "bio": ["", "直播看房"],
        "status": [None, "active"],
    }
    assert audit.diff(after, after) == {}


def test_record_stores_changes_as_plain_json(world: World) -> None:
    when = timezone.now()
    audit.record(
        actor=world.admin,
        action="project.update",
        target=world.tianfu,
        changes={
            "company": [None, world.chengdu],
            "price": [Decimal("1.50"), None],
            "at": [None, when],
        },
    )
    entry = AuditEntry.objects.get()
    entry.refresh_from_db()
    assert entry.changes == {
        "company": [None, "成都公司"],
        "price": ["1.50", None],
        "at": [None, when.isoformat()],
    }


def test_history_lists_one_records_entries_newest_first(world: World) -> None:
    now = timezone.now()
    first = audit.record(actor=world.admin, action="user.create", target=world.planner)
    second = audit.record(actor=world.admin, action="role.grant", target=world.planner)
    tie = audit.record(actor=world.admin, action="user.update", target=world.planner)
    audit.record(actor=world.admin, action="user.create", target=world.legal)
    AuditEntry.objects.filter(pk=first.pk).update(at=now - dt.timedelta(days=1))
    AuditEntry.objects.filter(pk__in=[second.pk, tie.pk]).update(at=now)
    assert [e.pk for e in audit.history(world.planner)] == [tie.pk, second.pk, first.pk]


def test_label_entries_attaches_registered_chinese_labels(world: World) -> None:
    audit.register_actions({"test.poke": "戳一下"})
    audit.record(actor=world.admin, action="test.poke", target=world.planner)
    audit.record(actor=world.admin, action="test.unknown", target=world.planner)
    labels = {
        e.action: e.action_label for e in audit.label_entries(list(audit.history(world.planner)))
    }  # type: ignore[attr-defined]
    assert labels == {"test.poke": "戳一下", "test.unknown": "test.unknown"}


def test_no_code_in_the_app_updates_or_deletes_audit_entries() -> None:
    writes = re.compile(r"AuditEntry\b.*\.(update|delete|bulk_update|save)\(|\.save\(.*AuditEntry")
    offenders = [
        f"{path.relative_to(MEDIADESK)}:{n}"
        for path in MEDIADESK.rglob("*.py")
        if "migrations" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if writes.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_audit_pages_and_api_change_nothing(
    world: World, login: Any, api: Any, method: str
) -> None:
    entry = audit.record(
        actor=world.manager, action="user.update", target=world.planner, changes={"x": [1, 2]}
    )
    page_client = login(world.admin)
    getattr(page_client, method)("/audit/", {"action": "x"})
    api_client = api(world.admin)
    getattr(api_client, method)(f"/api/v1/audit/{entry.pk}")
    getattr(api_client, method)("/api/v1/audit")
    entry_after = AuditEntry.objects.get(pk=entry.pk)
    assert (entry_after.action, entry_after.changes, entry_after.at) == (
        "user.update",
        {"x": [1, 2]},
        entry.at,
    )


# --- finding 3: no full mobile number in any audit entry ------------------------------------

FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def test_labels_and_change_values_are_masked_at_write_time(world: World) -> None:
    entry = audit.record(
        actor=world.manager,
        action="project.update",
        target=world.qujiang,
        label="报备 13600001111",
        changes={"note": ["客户 13600001111 来电", "+86 136 0000 1111"], "name": "13600001111"},
    )
    entry.refresh_from_db()
    text = f"{entry.target_label} {entry.changes}"
    assert not FULL_MOBILE.search(text.replace(" ", "")), text
    assert "136****1111" in entry.target_label


def test_a_report_never_shows_its_full_number_in_its_name() -> None:
    from mediadesk.leads.models import Report

    assert "13600001111" not in str(Report(phone="13600001111"))


def test_record_many_writes_the_entries_record_writes(world: World) -> None:
    """The multi-row INSERT of record_many (core.inserts) stores what one `record` per target
    stores: actor, organisation, masked labels and changes, plain JSON, origin."""
    targets = [world.qujiang, world.yunjing, world.org]
    changes = {"phone": ["", "13912345678"], "note": [None, "电话 13912345678"], "amount": [None, Decimal("1.50")], "when": [None, dt.date(2026, 3, 3)]}  # fmt: skip
    with context.acting_from("api", request_id="req-many", ip="2001:db8::1"):
        for target in targets:
            audit.record(actor=world.manager, action="x.one", target=target, changes=changes, label=f"{target} 13912345678")  # fmt: skip
        assert audit.record_many(actor=world.manager, action="x.many", entries=[(t, changes) for t in targets], label=lambda t: f"{t} 13912345678") == 3  # fmt: skip
        audit.record_many(actor="消息接入", action="x.system", entries=[(world.qujiang, {})])
    fields = ["actor_id", "actor_label", "organisation_id", "target_type", "target_id", "target_label", "changes", "source", "request_id", "ip"]  # fmt: skip
    one = list(AuditEntry.objects.filter(action="x.one").order_by("id").values(*fields))
    many = list(AuditEntry.objects.filter(action="x.many").order_by("id").values(*fields))
    assert many == one and len(many) == 3
    assert "13912345678" not in str(many) and many[0]["ip"] == "2001:db8::1"
    system = AuditEntry.objects.get(action="x.system")
    assert system.actor is None and system.actor_label == "消息接入" and system.changes == {}
    assert AuditEntry.objects.filter(action="x.many").values("at").distinct().count() == 1
