"""Pages closing the attribution loop: 确客 of a visit, deals on the customer's opportunity
(record, advance, 退房), the 带看单 list and the customer page's referral link."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from mediadesk.leads import attribution
from mediadesk.leads.models import ChannelRule, Deal, Opportunity, RuleSet, Source, Stage, Visit
from tests.conftest import audit_actions
from tests.leads.desk_fixtures import capture

pytestmark = pytest.mark.django_db


# --- 确客 ----------------------------------------------------------------------------------------


def test_confirm_button_confirms_a_visit_once(
    world: Any, client: Any, login: Any, rule_set: RuleSet, agency: Any
) -> None:
    visit = attribution.record_visit(
        project=world.qujiang, phone="13512345678", by=world.channel, channel=agency
    )
    assert visit.confirmed_at is None  # the project does not auto-confirm
    page = login(world.channel).get(reverse("leads:visit_new"))
    assert 'data-testid="confirm-visit"' in page.content.decode()
    url = reverse("leads:visit_confirm", args=[visit.pk])
    assert client.logout() is None and client.post(url).status_code == 302
    assert login(world.sales_b).post(url).status_code == 404  # 云境 only
    assert login(world.outsider).post(url).status_code == 404
    assert login(world.planner).post(url).status_code == 404  # no leads.visit
    visit.refresh_from_db()
    assert visit.confirmed_at is None
    done = login(world.channel).post(url, follow=True)
    assert "已确客" in done.content.decode()
    visit.refresh_from_db()
    assert visit.confirmed_by == world.channel and visit.confirmed_at is not None
    again = login(world.channel).post(url, follow=True)
    assert "该到访已确客" in again.content.decode()
    assert audit_actions("lead_visit", visit.pk) == ["lead_visit.record", "lead_visit.confirm"]


def test_auto_confirming_projects_show_no_button(world: Any, login: Any, rule_set: RuleSet) -> None:
    rule_set.visit_auto_confirm = True
    rule_set.save()
    visit = attribution.record_visit(project=world.qujiang, phone="13512345678", by=world.channel)
    assert Visit.objects.get(pk=visit.pk).confirmed_at is not None
    page = login(world.channel).get(reverse("leads:visit_new")).content.decode()
    assert 'data-testid="confirm-visit"' not in page


# --- deals ---------------------------------------------------------------------------------------


@pytest.fixture
def opp(world: Any, rule_set: RuleSet, seat_a: Any) -> Opportunity:
    """曲江府's customer, allocated to sales_a."""
    found = capture(world, "13812345678", by=world.channel, source=Source.WALK_IN)
    assert found.consultant_id == world.sales_a.pk
    return found


def _at(days: int) -> str:
    return (dt.datetime(2025, 3, 3, 10, 0) + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_deal_section_for_managers_only(world: Any, login: Any, opp: Opportunity) -> None:
    url = reverse("leads:customer", args=[opp.customer_id])
    managers = login(world.channel).get(url).content.decode()
    assert 'data-testid="deal-form"' in managers
    assert reverse("leads:referral_new", args=[opp.customer_id]) in managers
    own = login(world.sales_a).get(url).content.decode()  # the consultant: read only
    assert 'data-testid="deal-form"' not in own and "还没有成交" in own


def test_record_advance_and_cancel_a_deal(
    world: Any, login: Any, opp: Opportunity, supervisor_qj: Any
) -> None:
    body = {"stage": "pledged", "unit_label": "3-1-1201", "amount_yuan": "1980000.50",
            "co_handler": supervisor_qj.pk, "at": _at(0)}  # fmt: skip
    res = login(world.channel).post(reverse("leads:deal_new", args=[opp.pk]), body, follow=True)
    assert "已登记成交" in res.content.decode()
    deal = Deal.objects.get(opportunity=opp)
    assert (deal.amount_fen, deal.stage, deal.co_handler, deal.consultant) == (
        198_000_050, "pledged", supervisor_qj, world.sales_a,
    )  # fmt: skip
    assert "¥1,980,000.50" in res.content.decode()
    advance = reverse("leads:deal_advance", args=[deal.pk])
    login(world.channel).post(advance, {"step": "subscribed", "at": _at(2)})
    login(world.channel).post(advance, {"step": "paid_30", "at": _at(9)})
    deal.refresh_from_db()
    opp.refresh_from_db()
    assert deal.stage == "subscribed" and deal.paid_30_at is not None
    assert (opp.stage, opp.is_owner) == (Stage.SUBSCRIBED, True)
    cancel = reverse("leads:deal_cancel", args=[deal.pk])
    unconfirmed = login(world.channel).post(cancel, {"at": _at(10)}, follow=True)
    assert "确认退房" in unconfirmed.content.decode()
    deal.refresh_from_db()
    assert deal.stage == "subscribed"
    login(world.channel).post(cancel, {"confirm": "on", "at": _at(10)})
    deal.refresh_from_db()
    assert deal.stage == Deal.Stage.CANCELLED and deal.cancelled_at is not None
    assert audit_actions("deal", deal.pk) == [
        "deal.create", "deal.advance", "deal.advance", "deal.cancel",
    ]  # fmt: skip
    late = login(world.channel).post(advance, {"step": "signed", "at": _at(11)}, follow=True)
    assert "已退房的成交不能推进" in late.content.decode()


def test_deal_input_errors_name_the_field(world: Any, login: Any, opp: Opportunity) -> None:
    url = reverse("leads:deal_new", args=[opp.pk])
    bad = {"stage": "pledged", "unit_label": "", "amount_yuan": "-1", "at": _at(0)}
    page = login(world.channel).post(url, bad, follow=True).content.decode()
    assert "房号" in page and "成交金额（元）" in page
    same = {**bad, "unit_label": "1-1", "amount_yuan": "100", "co_handler": world.sales_a.pk}
    page = login(world.channel).post(url, same, follow=True).content.decode()
    assert "主管带单" in page  # the owner cannot co-handle their own deal
    assert not Deal.objects.exists()


def test_deal_permissions(world: Any, client: Any, login: Any, opp: Opportunity) -> None:
    body = {"stage": "subscribed", "unit_label": "1-1", "amount_yuan": "100", "at": _at(0)}
    url = reverse("leads:deal_new", args=[opp.pk])
    assert client.post(url, body).status_code == 302  # anonymous → login
    assert login(world.sales_a).post(url, body).status_code == 403  # the consultant
    assert login(world.sales_b).post(url, body).status_code == 404  # another project
    assert login(world.outsider).post(url, body).status_code == 404
    assert not Deal.objects.exists()
    deal = attribution.record_deal(opportunity=opp, by=world.channel, stage="subscribed",
                                   unit_label="1-1", amount_fen=100, at=dt.datetime.now(dt.UTC))  # fmt: skip
    cancel = reverse("leads:deal_cancel", args=[deal.pk])
    assert login(world.sales_a).post(cancel, {"confirm": "on", "at": _at(1)}).status_code == 403
    assert login(world.sales_b).post(cancel, {"confirm": "on", "at": _at(1)}).status_code == 404
    deal.refresh_from_db()
    assert deal.stage == "subscribed"


# --- 带看单 ---------------------------------------------------------------------------------------


def test_trip_list_filters_and_scope(
    world: Any, client: Any, login: Any, rule_set: RuleSet, rule_set_yj: RuleSet, agency: Any,
    agency_b: Any,
) -> None:  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    attribution.record_trip(by=world.channel, channel=agency, trip_at=now, note="周末团看",
                            pairs=[(world.qujiang, "13512345678"), (world.qujiang, "13612345678")])  # fmt: skip
    attribution.record_trip(by=world.channel, channel=agency_b, trip_at=now,
                            pairs=[(world.yunjing, "13712345678")])  # fmt: skip
    url = reverse("leads:trips")
    assert client.get(url).status_code == 302
    page = login(world.channel).get(url, {"channel": agency.pk}).content.decode()
    assert page.count('data-testid="trip"') == 1 and "周末团看" in page and "锦程·曲江府" in page
    assert login(world.channel).get(url).content.decode().count('data-testid="trip"') == 2
    sales_b = login(world.sales_b).get(url).content.decode()  # 云境's trip only
    assert sales_b.count('data-testid="trip"') == 1 and "周末团看" not in sales_b
    outsider = login(world.outsider).get(url)
    assert outsider.status_code == 200 and 'data-testid="trip"' not in outsider.content.decode()


# --- per-channel overrides on the rule-set page ---------------------------------------------------


def test_channel_rule_editing(
    world: Any, client: Any, login: Any, rule_set: RuleSet, agency: Any
) -> None:
    url = reverse("leads:rules_channel", args=[world.qujiang.pk])
    body = {"channel": agency.pk, "visit_protect_days": "3", "deal_protect_days": "",
            "intercept_minutes": "60"}  # fmt: skip
    assert client.post(url, body).status_code == 302 and not ChannelRule.objects.exists()
    assert login(world.sales_a).post(url, body).status_code == 404  # no leads.rules
    assert login(world.outsider).post(url, body).status_code == 404
    assert not ChannelRule.objects.exists()
    page = login(world.channel).post(url, body, follow=True).content.decode()
    assert "安家中介 的渠道规则已保存" in page and page.count('data-testid="channel-rule"') == 1
    saved = ChannelRule.objects.get(rules=rule_set, channel=agency)
    assert (saved.visit_protect_days, saved.deal_protect_days, saved.intercept_minutes) == (
        3, None, 60,
    )  # fmt: skip
    bad = login(world.channel).post(url, {**body, "visit_protect_days": "-1"}, follow=True)
    assert "到访保护期（天）" in bad.content.decode()
    assert ChannelRule.objects.get(pk=saved.pk).visit_protect_days == 3
    cleared = {"channel": agency.pk, "visit_protect_days": "", "deal_protect_days": "",
               "intercept_minutes": ""}  # fmt: skip
    login(world.channel).post(url, cleared)
    assert not ChannelRule.objects.exists()
    assert audit_actions("lead_rules", rule_set.pk).count("lead_rules.channel") == 2
