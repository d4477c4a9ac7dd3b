"""Attribution pages: anonymous, wrong role, other scope and permitted, with database state."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mediadesk.leads import attribution, rulesets
from mediadesk.leads.models import Dispute, Referral, Report, RuleSet, Visit
from tests.conftest import audit_actions

pytestmark = pytest.mark.django_db


def _report(world: Any, channel: Any, phone: str = "13512345678") -> Report:
    return attribution.file_report(project=world.qujiang, phone=phone, channel=channel,
                                   by=world.channel)  # fmt: skip


def test_reports_list_filters_and_scope(
    world: Any, client: Any, login: Any, rule_set: RuleSet, agency: Any, agency_b: Any
) -> None:
    _report(world, agency)
    _report(world, agency_b, "13600000000")
    url = reverse("leads:reports")
    assert client.get(url).status_code == 302
    page = login(world.channel).get(url, {"channel": agency.pk})
    assert page.status_code == 200
    assert "135****5678" in page.content.decode() and "136****0000" not in page.content.decode()
    assert "135****5678" not in login(world.operator_cd).get(url).content.decode()
    export = login(world.channel).get(reverse("leads:reports_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")
    assert login(world.sales_a).get(reverse("leads:reports_export")).status_code == 403


def test_report_form_files_and_shows_the_result(
    world: Any, login: Any, rule_set: RuleSet, agency: Any, broker: Any
) -> None:
    url = reverse("leads:report_new")
    assert login(world.sales_a).get(url).status_code == 403
    res = login(world.channel).post(url, {"project": world.qujiang.pk, "channel": agency.pk,
                                          "phone": "135 1234 5678"})  # fmt: skip
    report = Report.objects.get()
    assert res.status_code == 302 and res["Location"] == reverse("leads:report", args=[report.pk])
    assert report.result_code == 0 and report.reporter == world.channel
    detail = login(world.channel).get(res["Location"]).content.decode()
    assert "报备成功" in detail and "到访保护至" in detail
    bad = login(world.channel).post(url, {"project": world.qujiang.pk, "channel": agency.pk,
                                          "phone": "12345"})  # fmt: skip
    assert bad.status_code == 200 and "11 位大陆手机号" in bad.content.decode()
    assert Report.objects.count() == 1


def test_visit_page_records_and_shows_the_judgement(
    world: Any, login: Any, rule_set: RuleSet, agency: Any
) -> None:
    _report(world, agency)
    url = reverse("leads:visit_new")
    assert login(world.planner).get(url).status_code == 403
    res = login(world.sales_a).post(url, {"project": world.qujiang.pk, "phone": "13512345678",
                                          "channel": agency.pk})  # fmt: skip
    assert res.status_code == 200 and "不满足防截客条件" in res.content.decode()
    assert Visit.objects.get().result_code == 3
    other = login(world.sales_b).post(url, {"project": world.qujiang.pk, "phone": "13512345678"})
    assert other.status_code == 200 and Visit.objects.count() == 1


def test_trip_page_judges_each_pair(world: Any, login: Any, rule_set: RuleSet, agency: Any) -> None:
    res = login(world.channel).post(reverse("leads:trip_new"), {
        "channel": agency.pk, "trip_at": "2025-03-03 10:00", "projects": [world.qujiang.pk,
                                                                          world.yunjing.pk],
        "phones": "13500000001\n13500000002",
    })  # fmt: skip
    assert res.status_code == 200
    assert Visit.objects.filter(trip__isnull=False).count() == 4


def test_dispute_page_side_by_side_and_decision(
    world: Any, login: Any, rule_set: RuleSet, agency: Any, agency_b: Any
) -> None:
    _report(world, agency, "135****5678")
    _report(world, agency_b, "135**345678")
    dispute = Dispute.objects.get()
    url = reverse("leads:dispute", args=[dispute.pk])
    page = login(world.channel).get(url).content.decode()
    assert "A方：安家中介" in page and "B方：链房分销" in page and "系统建议" in page
    assert login(world.sales_b).get(url).status_code == 404
    assert "待裁决" in login(world.channel).get(reverse("leads:disputes")).content.decode()
    login(world.channel).post(url, {"decision": "a", "reason": "先报备"})
    dispute.refresh_from_db()
    assert dispute.decision == "a" and audit_actions("lead_dispute", dispute.pk)[-1] == (
        "lead_dispute.decide"
    )


def test_referral_pages(world: Any, login: Any, rule_set: RuleSet, agency: Any) -> None:
    report = _report(world, agency)
    url = reverse("leads:referral_new", args=[report.customer_id])
    assert login(world.sales_b).get(url).status_code == 404
    login(world.channel).post(url, {"from_project": world.qujiang.pk,
                                    "to_project": world.yunjing.pk, "reason": "换盘"})  # fmt: skip
    referral = Referral.objects.get()
    assert "未审核" in login(world.channel).get(reverse("leads:referrals")).content.decode()
    login(world.channel).post(
        reverse("leads:referral_decide", args=[referral.pk]), {"approve": "1"}
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.APPROVED


def test_rules_editor_saves_with_an_audited_diff(world: Any, login: Any) -> None:
    url = reverse("leads:rules_project", args=[world.qujiang.pk])
    assert login(world.sales_a).get(url).status_code == 403
    page = login(world.channel).get(url)
    assert page.status_code == 200 and "到访保护期(天)" in page.content.decode()
    rule_set = attribution.rules_for(world.qujiang)
    data = {f: getattr(rule_set, f) for f in rulesets.RULE_FIELDS if f != "protected_sources"}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data.update(visit_protect_days=10, protected_sources="phone_appointment=30")
    res = login(world.channel).post(url, data)
    assert res.status_code == 302, res.content.decode()[:2000]
    rule_set.refresh_from_db()
    assert rule_set.visit_protect_days == 10
    assert rule_set.protected_sources == {"phone_appointment": 30}
    assert audit_actions("lead_rules", rule_set.pk) == ["lead_rules.update"]


@pytest.mark.parametrize(
    "url",
    ["/leads/attribution/reports/", "/leads/attribution/trips/",
     "/leads/attribution/disputes/", "/leads/attribution/referrals/"],
)  # fmt: skip
def test_attribution_pages_are_closed_to_roles_without_a_leads_permission(
    world: Any, login: Any, url: str
) -> None:
    """Finding 12: a planner saw these pages (empty tables, but project and channel lists)."""
    assert login(world.planner).get(url).status_code == 403
