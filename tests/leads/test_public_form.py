"""The public lead form of a campaign: no login, honeypot, DB-backed rate limit, invalid
phone, and a success that records a touch with the campaign."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mediadesk.leads import services
from mediadesk.leads.models import Campaign, Customer, FormHit, Opportunity, Source, Touch
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(world: World) -> Campaign:
    return services.save_campaign(
        None, by=world.channel, project=world.qujiang,
        values={"name": "周末直播留资", "source": Source.LIVE},
    )  # fmt: skip


def _post(client: Client, campaign: Campaign, **data: Any) -> Any:
    form = {"name": "访客", "phone": "13800138000", "consent": "on", "website": "", **data}
    return client.post(f"/leads/f/{campaign.slug}/?utm_source=douyin", form, REMOTE_ADDR="10.0.0.1")


def test_a_visitor_leaves_a_number_without_logging_in(
    client: Client, campaign: Campaign, seat_a: Any
) -> None:
    assert client.get(f"/leads/f/{campaign.slug}/").status_code == 200
    response = _post(client, campaign)
    assert response["Location"] == f"/leads/f/{campaign.slug}/thanks/"
    touch = Touch.objects.get()
    assert touch.campaign == campaign and touch.source == Source.LIVE
    assert touch.utm_source == "douyin" and touch.captured_by is None
    assert Opportunity.objects.get().consultant is not None


def test_the_honeypot_looks_like_success_but_captures_nothing(
    client: Client, campaign: Campaign
) -> None:
    response = _post(client, campaign, website="http://spam.example")
    assert response.status_code == 302
    assert not Touch.objects.exists() and FormHit.objects.count() == 1


def test_an_invalid_phone_gets_a_chinese_message(client: Client, campaign: Campaign) -> None:
    body = _post(client, campaign, phone="12345").content.decode()
    assert "11 位大陆手机号" in body and not Customer.objects.exists()


def test_consent_is_required(client: Client, campaign: Campaign) -> None:
    assert "请勾选同意" in _post(client, campaign, consent="").content.decode()
    assert not Touch.objects.exists()


def test_the_same_phone_is_rate_limited(client: Client, campaign: Campaign) -> None:
    for _ in range(services.RATE_PER_PHONE_DAY):
        assert _post(client, campaign).status_code == 302
    body = _post(client, campaign).content.decode()
    assert "提交过于频繁" in body
    assert Touch.objects.count() == services.RATE_PER_PHONE_DAY


def test_one_address_is_rate_limited_across_phones(client: Client, campaign: Campaign) -> None:
    FormHit.objects.bulk_create(
        FormHit(campaign=campaign, ip="10.0.0.1", phone=f"1390000{i:04d}", at=timezone.now())
        for i in range(services.RATE_PER_IP_HOUR)
    )
    assert "提交过于频繁" in _post(client, campaign).content.decode()
    assert not Touch.objects.exists()


def test_a_closed_campaign_accepts_nothing(client: Client, campaign: Campaign) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(is_active=False)
    assert _post(client, campaign).status_code == 410 and not Touch.objects.exists()


def test_an_unknown_form_is_404(client: Client, world: World) -> None:
    assert client.get("/leads/f/nope/").status_code == 404


def test_the_campaign_page_shows_url_and_qr(world: World, login: Any, campaign: Campaign) -> None:
    client = login(world.channel)
    body = client.get(f"/leads/campaigns/{campaign.pk}/").content.decode()
    assert f"/leads/f/{campaign.slug}/" in body
    svg = client.get(f"/leads/campaigns/{campaign.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(f"/leads/campaigns/{campaign.pk}/qr.png")
    assert png.content[:4] == b"\x89PNG"
    assert login(world.sales_a).get(f"/leads/campaigns/{campaign.pk}/").status_code == 403
