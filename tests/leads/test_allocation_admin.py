"""Allocation settings pages: teams, consultant seats, on-duty switches and allocation rules
(leads.rules in the project's scope; a consultant may switch their own duty)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.core.models import AuditEntry
from mediadesk.leads import allocation_admin as admin
from mediadesk.leads import services
from mediadesk.leads.models import AllocationRule, Consultant, Customer, Opportunity, Source, Team
from mediadesk.orgs.models import User
from mediadesk.orgs.roles import Role
from tests.conftest import audit_actions, make_user

Strategy = AllocationRule.Strategy


@pytest.fixture
def channel_cd(world: Any) -> User:
    """A channel manager of 成都公司: leads.rules, but outside 西安's projects."""
    return make_user("channel_cd", world.org, (Role.CHANNEL, world.chengdu))


@pytest.fixture
def sales_c(world: Any) -> User:
    """A second sales user of 曲江府, without a seat yet."""
    return make_user("sales_c", world.org, (Role.SALES, world.qujiang))


def _changes(target_type: str, target_id: Any, action: str) -> dict[str, Any]:
    entry = AuditEntry.objects.filter(
        target_type=target_type, target_id=str(target_id), action=action
    ).latest("id")
    return dict(entry.changes)


def _duty(seat: Consultant, on: str, **extra: Any) -> tuple[str, dict[str, str]]:
    return reverse("leads:seat_duty", args=[seat.pk]), {"on_duty": on, **extra}


# --- permissions -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_and_nothing_changes(client: Any, seat_a: Consultant) -> None:
    for url in (reverse("leads:allocation"), reverse("leads:seat_edit", args=[seat_a.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    response = client.post(*_duty(seat_a, "0"))
    assert response.status_code == 302 and "login" in response["Location"]
    seat_a.refresh_from_db()
    assert seat_a.on_duty is True
    assert audit_actions("consultant", seat_a.pk) == []


def test_sales_cannot_open_or_write_settings(
    world: Any, login: Any, seat_a: Consultant, seat_b: Consultant
) -> None:
    client = login(world.sales_a)
    assert client.get(reverse("leads:allocation")).status_code == 403
    body = {"project": world.qujiang.pk, "source": "", "strategy": Strategy.MANUAL}
    assert client.post(reverse("leads:rule_save"), body).status_code == 403
    own = reverse("leads:seat_edit", args=[seat_a.pk])
    assert client.post(own, {"weight": 9, "daily_cap": 99}).status_code == 403
    assert client.post(reverse("leads:seat_remove", args=[seat_a.pk])).status_code == 403
    # someone else's seat is not even visible to a plain consultant
    assert client.post(*_duty(seat_b, "0")).status_code == 404
    seat_a.refresh_from_db()
    seat_b.refresh_from_db()
    assert (seat_a.weight, seat_a.daily_cap, seat_b.on_duty) == (1, 30, True)
    assert not AllocationRule.objects.exists()
    with pytest.raises(PermissionDenied):
        admin.set_duty(seat_b, by=world.sales_a, on_duty=False)
    with pytest.raises(PermissionDenied):
        admin.save_rule(by=world.sales_a, project=world.qujiang, source="", strategy="manual")


def test_other_scope_channel_manager_gets_404(
    world: Any, login: Any, channel_cd: User, seat_a: Consultant, team_qj: Team
) -> None:
    client = login(channel_cd)
    page = client.get(reverse("leads:allocation"))
    assert page.status_code == 200 and "锦程·天府" in page.text and "锦程·曲江府" not in page.text
    assert client.get(reverse("leads:allocation"), {"project": world.qujiang.pk}).status_code == 404
    assert client.get(reverse("leads:seat_edit", args=[seat_a.pk])).status_code == 404
    assert client.get(reverse("leads:team_edit", args=[team_qj.pk])).status_code == 404
    assert client.post(*_duty(seat_a, "0")).status_code == 404
    body = {"project": world.qujiang.pk, "source": "", "strategy": Strategy.MANUAL}
    assert client.post(reverse("leads:rule_save"), body).status_code == 404
    seat_a.refresh_from_db()
    assert seat_a.on_duty is True and not AllocationRule.objects.exists()
    with pytest.raises(PermissionDenied):
        admin.save_team(team_qj, by=channel_cd, project=world.qujiang, values={"name": "x"})


def test_page_lists_scope_projects_with_empty_states(world: Any, login: Any) -> None:
    page = login(world.channel).get(reverse("leads:allocation"), {"project": world.yunjing.pk})
    assert page.status_code == 200
    assert "锦程·曲江府" in page.text and "锦程·天府" not in page.text
    assert "本项目还没有置业顾问席位" in page.text and "还没有销售团队" in page.text
    assert str(admin.STRATEGY_HELP[Strategy.WEIGHTED]) in page.text
    assert "分配设置" in login(world.channel).get(reverse("leads:channels")).text


# --- teams -----------------------------------------------------------------------------------


def test_create_and_edit_team_is_audited(world: Any, login: Any, supervisor_qj: User) -> None:
    client = login(world.channel)
    url = reverse("leads:team_create") + f"?project={world.qujiang.pk}"
    body = {"name": "线上直播组", "supervisor": supervisor_qj.pk, "is_online": "on"}
    assert client.post(url, body).status_code == 302
    team = Team.objects.get(project=world.qujiang, name="线上直播组")
    assert team.is_online and team.supervisor == supervisor_qj
    assert team.organisation == world.org
    edit = reverse("leads:team_edit", args=[team.pk])
    assert (
        client.post(edit, {"name": "线上一组", "supervisor": supervisor_qj.pk}).status_code == 302
    )
    team.refresh_from_db()
    assert (team.name, team.is_online) == ("线上一组", False)
    assert audit_actions("team", team.pk) == ["team.create", "team.update"]
    assert _changes("team", team.pk, "team.update") == {
        "name": ["线上直播组", "线上一组"], "is_online": ["是", "否"],
    }  # fmt: skip
    assert "线上一组" in client.get(edit).text


def test_team_bad_input_gives_chinese_messages(
    world: Any, login: Any, team_qj: Team, supervisor_qj: User
) -> None:
    client = login(world.channel)
    url = reverse("leads:team_create") + f"?project={world.qujiang.pk}"
    page = client.post(url, {"name": "曲江一组", "supervisor": supervisor_qj.pk})
    assert page.status_code == 200 and "本项目已有名为「曲江一组」的团队" in page.text
    page = client.post(url, {"name": "", "supervisor": world.operator_cd.pk})
    assert page.status_code == 200 and "这个字段是必填项" in page.text
    assert Team.objects.filter(project=world.qujiang).count() == 1
    with pytest.raises(ValidationError, match="主管须是本项目范围内的在职用户"):
        values = {"name": "二组", "supervisor": world.operator_cd}
        admin.save_team(None, by=world.channel, project=world.qujiang, values=values)


# --- seats -----------------------------------------------------------------------------------


def test_add_seat_for_a_sales_user(world: Any, login: Any, sales_c: User, team_qj: Team) -> None:
    url = reverse("leads:seat_add") + f"?project={world.qujiang.pk}"
    body = {"user": sales_c.pk, "team": team_qj.pk, "weight": 2, "daily_cap": 20}
    assert login(world.channel).post(url, body).status_code == 302
    seat = Consultant.objects.get(project=world.qujiang, user=sales_c)
    assert (seat.team, seat.weight, seat.daily_cap, seat.on_duty) == (team_qj, 2, 20, True)
    assert seat.organisation == world.org
    assert audit_actions("consultant", seat.pk) == ["consultant.add"]
    assert _changes("consultant", seat.pk, "consultant.add")["weight"] == [None, 2]


def test_only_sales_of_the_project_may_take_a_seat(world: Any, login: Any) -> None:
    with pytest.raises(ValidationError, match="没有置业顾问（销售）角色"):
        admin.add_consultant(by=world.channel, project=world.qujiang, user=world.sales_b,
                             values={"weight": 1, "daily_cap": 30})  # fmt: skip
    url = reverse("leads:seat_add") + f"?project={world.qujiang.pk}"
    page = login(world.channel).post(url, {"user": world.operator.pk, "weight": 1, "daily_cap": 30})
    assert page.status_code == 200 and 'data-testid="error-user"' in page.text
    assert not Consultant.objects.exists()


def test_same_user_twice_in_a_project_gives_a_clear_message(
    world: Any, login: Any, seat_a: Consultant, monkeypatch: Any
) -> None:
    url = reverse("leads:seat_add") + f"?project={world.qujiang.pk}"
    body = {"user": world.sales_a.pk, "weight": 1, "daily_cap": 30}
    page = login(world.channel).post(url, body)
    assert page.status_code == 200
    assert "sales_a" in page.text and "已是锦程·曲江府的置业顾问，不能重复添加" in page.text
    # a concurrent duplicate slipping past the check hits the unique constraint: same message
    monkeypatch.setattr(admin, "has_seat", lambda project, user: False)
    with pytest.raises(ValidationError, match="不能重复添加"):
        admin.add_consultant(by=world.channel, project=world.qujiang, user=world.sales_a,
                             values={"weight": 1, "daily_cap": 30})  # fmt: skip
    assert Consultant.objects.filter(user=world.sales_a).count() == 1
    assert audit_actions("consultant", seat_a.pk) == []


def test_edit_seat_and_reject_bad_numbers(
    world: Any, login: Any, seat_a: Consultant, seat_b: Consultant
) -> None:
    client = login(world.channel)
    url = reverse("leads:seat_edit", args=[seat_a.pk])
    assert client.post(url, {"team": "", "weight": 3, "daily_cap": 12}).status_code == 302
    seat_a.refresh_from_db()
    assert (seat_a.team, seat_a.weight, seat_a.daily_cap) == (None, 3, 12)
    assert _changes("consultant", seat_a.pk, "consultant.update") == {
        "team": ["曲江一组", None], "weight": [1, 3], "daily_cap": [30, 12],
    }  # fmt: skip
    page = client.post(url, {"weight": 0, "daily_cap": "很多"})
    assert page.status_code == 200 and "输入整数" in page.text and "大于或等于1" in page.text
    seat_a.refresh_from_db()
    assert (seat_a.weight, seat_a.daily_cap) == (3, 12)
    other_team = Team.objects.create(organisation=world.org, project=world.yunjing, name="云境组",
                                     supervisor=world.sales_b)  # fmt: skip
    with pytest.raises(ValidationError, match="团队须属于同一项目"):
        admin.update_consultant(seat_a, by=world.channel,
                                values={"team": other_team, "weight": 1, "daily_cap": 30})  # fmt: skip
    assert audit_actions("consultant", seat_a.pk) == ["consultant.update"]


def test_remove_seat_refused_while_holding_open_leads(
    world: Any, login: Any, seat_a: Consultant
) -> None:
    customer = Customer.objects.create(organisation=world.org, phone="13500000009")
    opp = Opportunity.objects.create(organisation=world.org, company=world.xian,
                                     project=world.qujiang, customer=customer,
                                     source=Source.WALK_IN, consultant=world.sales_a)  # fmt: skip
    client = login(world.channel)
    url = reverse("leads:seat_remove", args=[seat_a.pk])
    response = client.post(url, follow=True)
    assert "还有 1 个在跟客户" in response.text
    assert Consultant.objects.filter(pk=seat_a.pk).exists()
    Opportunity.objects.filter(pk=opp.pk).update(consultant=None, in_pool=True)
    assert client.post(url).status_code == 302
    assert not Consultant.objects.filter(pk=seat_a.pk).exists()
    assert audit_actions("consultant", seat_a.pk) == ["consultant.remove"]


# --- on duty ---------------------------------------------------------------------------------


def test_manager_switches_duty_from_the_phone_with_htmx(
    world: Any, login: Any, seat_a: Consultant
) -> None:
    client = login(world.manager)
    url, body = _duty(seat_a, "0", back="/leads/allocation/")
    response = client.post(url, body, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "离岗" in response.text
    assert 'name="back" value="/leads/allocation/"' in response.text
    assert 'name="on_duty" value="1"' in response.text
    seat_a.refresh_from_db()
    assert seat_a.on_duty is False
    assert _changes("consultant", seat_a.pk, "consultant.duty") == {"on_duty": ["是", "否"]}
    client.post(*_duty(seat_a, "0"), headers={"HX-Request": "true"})  # already off: no entry
    assert audit_actions("consultant", seat_a.pk) == ["consultant.duty"]
    page = client.post(*_duty(seat_a, "maybe"), follow=True)
    assert "在岗状态只能是" in page.text
    seat_a.refresh_from_db()
    assert seat_a.on_duty is False


def test_sales_switches_own_duty_from_the_lead_list(
    world: Any, login: Any, seat_a: Consultant
) -> None:
    client = login(world.sales_a)
    assert reverse("leads:my_duty") in client.get(reverse("leads:home")).text
    switch = client.get(reverse("leads:my_duty"))
    assert 'data-testid="my-duty"' in switch.text and "锦程·曲江府" in switch.text
    response = client.post(*_duty(seat_a, "0", back="/leads/?stage=new"))
    assert response.status_code == 302 and response["Location"] == "/leads/?stage=new"
    seat_a.refresh_from_db()
    assert seat_a.on_duty is False
    entry = AuditEntry.objects.get(target_type="consultant", action="consultant.duty")
    assert entry.actor == world.sales_a
    evil = client.post(*_duty(seat_a, "1", back="https://evil.example/"))
    assert evil["Location"] == reverse("leads:home")
    seat_a.refresh_from_db()
    assert seat_a.on_duty is True


def test_supervisor_may_switch_team_duty_but_a_teammate_may_not(
    world: Any, login: Any, seat_a: Consultant, team_qj: Team, supervisor_qj: User, sales_c: User
) -> None:
    Consultant.objects.create(organisation=world.org, project=world.qujiang, user=sales_c,
                              team=team_qj)  # fmt: skip
    assert login(sales_c).post(*_duty(seat_a, "0")).status_code == 404
    assert login(supervisor_qj).post(*_duty(seat_a, "0")).status_code == 302
    seat_a.refresh_from_db()
    assert seat_a.on_duty is False
    assert audit_actions("consultant", seat_a.pk) == ["consultant.duty"]


def test_no_seat_no_switch(world: Any, login: Any) -> None:
    assert login(world.sales_b).get(reverse("leads:my_duty")).text.strip() == ""


# --- allocation rules ------------------------------------------------------------------------


def test_default_rule_and_source_override(world: Any, login: Any) -> None:
    client = login(world.channel)
    url = reverse("leads:rule_save")
    body = {"project": world.qujiang.pk, "source": "", "strategy": Strategy.FEWEST_OPEN}
    assert client.post(url, body).status_code == 302
    body = {"project": world.qujiang.pk, "source": Source.LIVE, "strategy": Strategy.MANUAL}
    assert client.post(url, body).status_code == 302
    assert services.strategy_for(world.qujiang, Source.LIVE) == Strategy.MANUAL
    assert services.strategy_for(world.qujiang, Source.WALK_IN) == Strategy.FEWEST_OPEN
    assert services.strategy_for(world.yunjing, Source.WALK_IN) == Strategy.ROUND_ROBIN
    body["strategy"] = Strategy.WEIGHTED
    client.post(url, body)
    rule = AllocationRule.objects.get(project=world.qujiang, source=Source.LIVE)
    assert rule.strategy == Strategy.WEIGHTED
    assert audit_actions("allocation_rule", rule.pk) == ["allocation_rule.save"] * 2
    assert _changes("allocation_rule", rule.pk, "allocation_rule.save")["strategy"] == [
        "手动分配", "按权重",
    ]  # fmt: skip
    page = client.get(reverse("leads:allocation"), {"project": world.qujiang.pk})
    assert "最少在跟优先" in page.text and "按权重" in page.text
    assert client.post(reverse("leads:rule_delete", args=[rule.pk])).status_code == 302
    assert services.strategy_for(world.qujiang, Source.LIVE) == Strategy.FEWEST_OPEN
    assert audit_actions("allocation_rule", rule.pk)[-1] == "allocation_rule.delete"


def test_bad_rule_input_gives_a_message_and_no_row(world: Any, login: Any) -> None:
    client = login(world.channel)
    url = reverse("leads:rule_save")
    page = client.post(url, {"project": world.qujiang.pk, "strategy": "random"}, follow=True)
    assert "请选择分配策略" in page.text
    page = client.post(url, {"project": world.qujiang.pk, "source": "fax", "strategy": "manual"},
                       follow=True)  # fmt: skip
    assert "未知的线索来源" in page.text
    assert client.post(url, {"project": "abc", "strategy": "manual"}).status_code == 404
    assert not AllocationRule.objects.exists()


def test_online_group_rule_without_an_online_team_warns(world: Any, login: Any) -> None:
    body = {"project": world.yunjing.pk, "source": Source.LIVE, "strategy": Strategy.ONLINE_GROUP}
    page = login(world.channel).post(reverse("leads:rule_save"), body, follow=True)
    assert "本项目还没有线上组团队" in page.text
    assert AllocationRule.objects.get(project=world.yunjing).strategy == Strategy.ONLINE_GROUP
