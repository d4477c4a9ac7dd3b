"""Batch ingestion's raw INSERT path (core.inserts): the rows it writes are the rows the ORM
path writes, column for column, audit entries included; idempotency holds for duplicates
inside a batch, against stored rows, and against a batch that stored the same ids meanwhile."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction
from hypothesis import given
from hypothesis import strategies as st

from mediadesk.core import audit, context, inserts
from mediadesk.core.models import AuditEntry
from mediadesk.engagement import library, services
from mediadesk.engagement.models import AssignmentRule, Message, SlaPolicy, WatchTerm
from tests.engagement.conftest import SHANGHAI, Desk

pytestmark = pytest.mark.django_db


def _items(desk: Desk) -> list[services.Incoming]:
    at = dt.datetime(2026, 3, 3, 9, 58, 0, 250000, tzinfo=SHANGHAI)
    rows = [
        ("weibo", "comment", "多少钱一平？电话13912345678", {"post_url": desk.post.published_url}),
        ("weibo", "reply", "这楼盘烂尾了吧，业主都在维权 曲江府", {"parent_external_id": "f0", "thread_key": "t-1"}),
        ("wechat_mp", "official_message", "环境很好，交通方便 😀 mixed English", {"author_id": "oUser", "author_followers": 12}),
        ("douyin", "private_message", "交房延期，太坑了", {"author_name": "业主A"}),
        ("weibo", "comment", "不是不好", {}),
        ("douyin", "live_comment", "样板间很漂亮，周末去看 " + "长" * 3000, {}),
        ("weibo", "mention", "曲江府 有没有三居室", {}),
    ]  # fmt: skip
    accounts = {"weibo": desk.weibo, "wechat_mp": desk.wechat, "douyin": desk.douyin}
    return [_item(f"f{n}", p, k, t, at + dt.timedelta(seconds=n), accounts[p].pk, extra) for n, (p, k, t, extra) in enumerate(rows)]  # fmt: skip


def _item(external_id: str, platform: str, kind: str, text: str, at: dt.datetime, account: int, extra: dict[str, Any]) -> services.Incoming:  # fmt: skip
    return services.Incoming(platform=platform, kind=kind, external_id=external_id, text=text, received_at=at, account_id=account, **extra)  # fmt: skip


def _setup(desk: Desk) -> None:
    org = desk.world.org
    WatchTerm.objects.create(organisation=org, term="曲江府", category="project")
    SlaPolicy.objects.create(organisation=org, platform_code="douyin", kind="", minutes=45)
    AssignmentRule.objects.create(organisation=org, keyword="烂尾", assignee=desk.supervisor, sort=1)  # fmt: skip
    library.save(org, {"category": "咨询价格", "title": "价格", "text": "您好，价格请私信我们。", "keywords": "一平"}, by=desk.world.admin)  # fmt: skip


def _raw(table: str, ignored: set[str]) -> list[dict[str, Any]]:
    """Rows as stored (the driver's values: on SQLite datetimes and JSON are the text
    written), so a formatting difference between the paths shows."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")
        names = [c[0] for c in cursor.description]
        return [{k: v for k, v in zip(names, row, strict=True) if k not in ignored} | {"#id": row[0]} for row in cursor.fetchall()]  # fmt: skip


def _messages() -> dict[str, dict[str, Any]]:
    rows = _raw(Message._meta.db_table, {"id", "created_at", "updated_at"})
    ids = {r["#id"]: r["external_id"] for r in rows}
    return {r["external_id"]: {k: v for k, v in r.items() if k != "#id"} | {"parent_id": ids.get(r["parent_id"])} for r in rows}  # fmt: skip


def _audit() -> dict[str, dict[str, Any]]:
    ids = {str(pk): e for pk, e in Message.objects.values_list("pk", "external_id")}
    entries = [e for e in _raw(AuditEntry._meta.db_table, {"id", "at"}) if e["target_type"] == "message"]  # fmt: skip
    return {ids[e.pop("target_id")]: {k: v for k, v in e.items() if k != "#id"} for e in entries}


def _written(desk: Desk, items: list[services.Incoming]) -> tuple[Any, Any, list[bool]]:
    """Ingest in a savepoint, read back what was written, roll it back."""

    class Undo(Exception):
        pass

    written: tuple[Any, Any, list[bool]] = ({}, {}, [])
    try:
        with transaction.atomic(), context.acting_from("api", request_id="req-1", ip="10.0.0.8"):
            out = services.ingest(desk.world.org, items, by=desk.world.manager)
            written = (_messages(), _audit(), [created for _m, created in out])
            raise Undo
    except Undo:
        pass
    return written


def _per_entry_record_many(*, actor: Any, action: str, entries: Any, label: Any = None) -> int:
    """The audit path before the fast INSERT: one `record` (ORM save) per target."""
    n = 0
    for target, changes in entries:
        audit.record(actor=actor, action=action, target=target, changes=changes, label=label(target) if label else None)  # fmt: skip
        n += 1
    return n


def test_fast_path_writes_what_the_orm_path_writes(desk: Desk, monkeypatch: Any) -> None:
    _setup(desk)
    items = _items(desk)
    assert inserts.can_return()
    fast = _written(desk, items)
    monkeypatch.setattr(inserts, "can_return", lambda using="default": False)
    monkeypatch.setattr(audit, "record_many", _per_entry_record_many)
    orm = _written(desk, _items(desk))
    assert fast[2] == orm[2] == [True] * len(items)
    assert len(fast[0]) == len(items) and len(fast[1]) == len(items)
    for external_id, row in orm[0].items():
        assert fast[0][external_id] == row, external_id
    for external_id, entry in orm[1].items():
        assert fast[1][external_id] == entry, external_id
    # the sample means something: every computed column took a non-default value somewhere
    rows = list(fast[0].values())
    assert any(r["lead_candidate"] for r in rows) and any(r["watch_terms"] for r in rows)
    stored = {m.external_id: m for m in Message.objects.all()}
    assert not stored  # rolled back
    assert fast[0]["f0"]["lead_candidate"] and fast[0]["f1"]["watch_terms"] not in ("[]", [])
    assert fast[0]["f0"]["suggestions"] not in ("[]", []) and fast[0]["f0"]["variant_id"] == desk.post.pk  # fmt: skip
    assert fast[0]["f1"]["parent_id"] == "f0" and fast[0]["f1"]["assignee_id"] == desk.supervisor.pk
    assert fast[0]["f1"]["polarity"] == "negative" and fast[0]["f1"]["negative_types"] not in ("[]", [])  # fmt: skip
    assert fast[0]["f2"]["author_followers"] == 12
    entry = fast[1]["f0"]
    assert entry["source"] == "api" and entry["ip"] == "10.0.0.8" and entry["request_id"] == "req-1"
    assert "13912345678" not in entry["target_label"] and "139****5678" in entry["target_label"]


def test_fast_path_stores_datetimes_and_json_that_read_back_equal(desk: Desk) -> None:
    at = dt.datetime(2026, 3, 3, 10, 0, 0, 123456, tzinfo=SHANGHAI)
    item = services.Incoming(platform="weibo", kind="comment", external_id="dt1", text="「引号」\\ \"x\" 烂尾 🏠", received_at=at, account_id=desk.weibo.pk)  # fmt: skip
    message, created = services.ingest(desk.world.org, [item])[0]
    stored = Message.objects.get(pk=message.pk)
    assert created and stored.received_at == at and stored.due_at == dt.datetime(2026, 3, 3, 10, 30, 0, 123456, tzinfo=SHANGHAI)  # fmt: skip
    assert stored.text == item.text and stored.sentiment_words == message.sentiment_words
    assert stored.is_open and stored.status == "new" and stored.created_at == stored.updated_at


def test_duplicates_in_a_batch_and_stored_rows_are_not_written_twice(desk: Desk) -> None:
    first = services.ingest(desk.world.org, _items(desk)[:2])
    again = services.ingest(desk.world.org, [*_items(desk)[1:3], _items(desk)[2], _items(desk)[0]])  # fmt: skip
    assert [c for _m, c in again] == [False, True, False, False]
    assert again[0][0].pk == first[1][0].pk and again[3][0].pk == first[0][0].pk
    assert again[2][0] is again[1][0] and again[1][0].pk is not None
    assert Message.objects.count() == 3
    assert AuditEntry.objects.filter(action="message.receive").count() == 3


def test_external_ids_are_compared_without_surrounding_spaces(desk: Desk) -> None:
    a, b = _items(desk)[4], _items(desk)[4]
    b.external_id = f"  {a.external_id} "
    out = services.ingest(desk.world.org, [a, b])
    assert [c for _m, c in out] == [True, False] and out[0][0].pk == out[1][0].pk
    assert Message.objects.count() == 1


def test_a_row_stored_meanwhile_is_returned_not_duplicated(desk: Desk, monkeypatch: Any) -> None:
    """A concurrent batch stored the same id after this batch looked for it: the INSERT
    skips it (ON CONFLICT DO NOTHING), the stored row is returned as not created, and it
    gets no second audit entry."""
    [(stored, _c)] = services.ingest(desk.world.org, _items(desk)[:1])
    real = services._existing
    calls = iter([{}])
    monkeypatch.setattr(services, "_existing", lambda org, keys: next(calls, None) or real(org, keys))  # fmt: skip
    out = services.ingest(desk.world.org, _items(desk)[:2])
    assert [c for _m, c in out] == [False, True]
    assert out[0][0].pk == stored.pk and out[1][0].pk is not None
    assert Message.objects.count() == 2
    assert AuditEntry.objects.filter(action="message.receive", target_id=str(stored.pk)).count() == 1  # fmt: skip


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_batches_with_the_same_ids_store_each_once(transactional_db: Any, desk: Desk) -> None:  # fmt: skip
    items = [services.Incoming(platform="weibo", kind="comment", external_id=f"c{n}", text=f"第{n}条", received_at=dt.datetime.now(dt.UTC), account_id=desk.weibo.pk) for n in range(200)]  # fmt: skip
    barrier = threading.Barrier(3)
    results: list[list[bool]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append([c for _m, c in services.ingest(desk.world.org, items)])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 3
    assert [sum(col) for col in zip(*results, strict=True)] == [1] * len(items)
    assert Message.objects.filter(organisation=desk.world.org).count() == len(items)
    assert AuditEntry.objects.filter(action="message.receive").count() == len(items)


@given(
    st.lists(st.text(alphabet="曲江府烂尾ab", max_size=4), max_size=8),
    st.text(alphabet="曲江府烂尾abc ", max_size=30),
)
def test_watch_list_matches_like_a_substring_search_per_term(terms: list[str], text: str) -> None:
    assert services.WatchList(tuple(terms)).matches(text) == [t for t in terms if t in text]


def test_replies_link_to_their_parent_on_the_same_platform(desk: Desk) -> None:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    [(douyin_twin, _c)] = services.ingest(desk.world.org, [_item("p1", "douyin", "comment", "同号的抖音评论", at, desk.douyin.pk, {})])  # fmt: skip
    [(parent, _c)] = services.ingest(desk.world.org, [_item("p1", "weibo", "comment", "请问什么时候交房", at, desk.weibo.pk, {})])  # fmt: skip
    out = services.ingest(desk.world.org, [
        _item("r1", "weibo", "reply", "回复一", at, desk.weibo.pk, {"parent_external_id": "p1"}),
        _item("p2", "weibo", "comment", "新评论", at, desk.weibo.pk, {}),
        _item("r2", "weibo", "reply", "回复二", at, desk.weibo.pk, {"parent_external_id": "p2"}),
        _item("r3", "weibo", "reply", "回复三", at, desk.weibo.pk, {"parent_external_id": "nowhere"}),
    ])  # fmt: skip
    stored = {m.external_id: m for m in Message.objects.filter(platform=desk.weibo.platform)}
    assert stored["r1"].parent_id == parent.pk != douyin_twin.pk
    assert stored["r2"].parent_id == out[1][0].pk and stored["r3"].parent_id is None
