"""The audit page (admin and manager only): filters, pagination and the Excel export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mediadesk.core import audit, context
from mediadesk.core.models import AuditEntry
from tests.conftest import World


@pytest.fixture
def entries(world: World) -> dict[str, AuditEntry]:
    """A few entries by different people, from different sources and days."""
    made = {
        "grant": audit.record(
            actor=world.admin,
            action="role.grant",
            target=world.planner,
            changes={"role": [None, "内容策划"]},
        ),
        "update": audit.record(
            actor=world.manager,
            action="user.update",
            target=world.legal,
            changes={"phone": ["", "13900000009"]},
        ),
        "outsider": audit.record(actor=world.outsider, action="user.update", target=world.outsider),
    }
    with context.acting_from("cli"):
        made["cli"] = audit.record(actor=None, action="user.create", target=world.sales_a)
    AuditEntry.objects.filter(pk=made["grant"].pk).update(at=timezone.now() - dt.timedelta(days=10))
    return made


def export_rows(response: Any) -> list[tuple[Any, ...]]:
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws is not None
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def test_anonymous_visitors_are_sent_to_the_login_page(client: Any, entries: Any) -> None:
    for name in ("core:audit", "core:audit_export"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("orgs:login"))


@pytest.mark.parametrize("persona", ["sales_a", "planner", "operator", "legal"])
def test_other_roles_are_refused(world: World, login: Any, entries: Any, persona: str) -> None:
    client = login(getattr(world, persona))
    assert client.get(reverse("core:audit")).status_code == 403
    response = client.get(reverse("core:audit_export"))
    assert response.status_code == 403
    assert "审计" not in response.get("Content-Disposition", "")


def test_a_manager_sees_the_entries_of_the_organisation(
    world: World, login: Any, entries: Any
) -> None:
    response = login(world.manager).get(reverse("core:audit"))
    assert response.status_code == 200
    page = list(response.context["page"])
    assert {e.pk for e in page} == {entries["grant"].pk, entries["update"].pk, entries["cli"].pk}
    assert [e.at for e in page] == sorted((e.at for e in page), reverse=True)
    html = response.content.decode()
    assert "授予角色" in html  # the Chinese action label
    assert "命令行" in html  # the source


def test_another_organisations_entries_stay_hidden(world: World, login: Any, entries: Any) -> None:
    with context.acting_from("cli"):
        system_entry = audit.record(actor=None, action="user.create", target=world.outsider)
    response = login(world.outsider).get(reverse("core:audit"))
    pks = {e.pk for e in response.context["page"]}
    assert pks == {entries["outsider"].pk, system_entry.pk}
    manager_pks = {e.pk for e in login(world.manager).get(reverse("core:audit")).context["page"]}
    assert system_entry.pk not in manager_pks
    assert entries["outsider"].pk not in manager_pks


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"action": "role."}, ["grant"]),
        ({"actor": "MANAGER"}, ["update"]),
        ({"source": "cli"}, ["cli"]),
        ({"target_type": "user", "target_id": "placeholder"}, ["update"]),
        ({"since": "today"}, ["update", "cli"]),
        ({"until": "yesterday"}, ["grant"]),
        ({"since": "not-a-date"}, ["grant", "update", "cli"]),
    ],
)
def test_the_filters_narrow_the_list(
    world: World, login: Any, entries: Any, params: dict[str, str], expected: list[str]
) -> None:
    today = timezone.localdate()
    values = {
        "today": today.isoformat(),
        "yesterday": (today - dt.timedelta(days=1)).isoformat(),
        "placeholder": str(world.legal.pk),
    }
    query = {k: values.get(v, v) for k, v in params.items()}
    response = login(world.manager).get(reverse("core:audit"), query)
    assert response.status_code == 200
    assert {e.pk for e in response.context["page"]} == {entries[name].pk for name in expected}


def test_no_match_shows_an_empty_state(world: World, login: Any, entries: Any) -> None:
    response = login(world.admin).get(reverse("core:audit"), {"action": "nothing."})
    assert "没有符合条件的审计记录" in response.content.decode()


def test_the_list_is_paginated_keeping_the_filters(world: World, login: Any) -> None:
    for _ in range(55):
        audit.record(actor=world.admin, action="user.update", target=world.planner)
    client = login(world.admin)
    first = client.get(reverse("core:audit"), {"action": "user."})
    assert len(first.context["page"]) == 50
    assert "action=user." in first.content.decode() and "page=2" in first.content.decode()
    second = client.get(reverse("core:audit"), {"action": "user.", "page": 2})
    assert len(second.context["page"]) == 5


def test_the_export_is_a_real_xlsx_with_the_filtered_rows(
    world: World, login: Any, entries: Any
) -> None:
    response = login(world.manager).get(reverse("core:audit_export"), {"action": "user."})
    assert response.status_code == 200
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    rows = export_rows(response)
    assert rows[0] == (
        "时间",
        "操作人",
        "动作",
        "动作代码",
        "对象类型",
        "对象ID",
        "对象",
        "来源",
        "IP",
        "变更",
    )
    by_code = {(r[3], r[5]): r for r in rows[1:]}
    assert set(by_code) == {
        ("user.update", str(world.legal.pk)),
        ("user.create", str(world.sales_a.pk)),
    }
    update = by_code[("user.update", str(world.legal.pk))]
    assert update[1:3] == ("manager", "修改用户")
    assert update[7] == "系统"  # no request context: the system origin
    assert "→" in update[9] and update[9].endswith("0009")
    assert isinstance(update[0], dt.datetime)


def test_the_export_matches_the_page_for_the_same_filters(
    world: World, login: Any, entries: Any
) -> None:
    client = login(world.admin)
    query = {"since": timezone.localdate().isoformat()}
    page_ids = {
        (e.action, e.target_id) for e in client.get(reverse("core:audit"), query).context["page"]
    }
    export_ids = {
        (r[3], r[5]) for r in export_rows(client.get(reverse("core:audit_export"), query))[1:]
    }
    assert page_ids == export_ids
    assert len(export_ids) == 2
