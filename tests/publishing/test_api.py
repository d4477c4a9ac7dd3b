"""The API of publishing and the content item endpoints: exact paths and keys, every input
validated, nothing changed by refused input; anonymous, wrong role, other scope, permitted."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mediadesk.content.models import Status, Variant
from mediadesk.core import crypto
from mediadesk.publishing.models import Connection, PublishJob, State
from tests.publishing.conftest import Desk, account

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_put_connection_stores_secrets_sealed_and_never_echoes_them(desk: Desk, api: Any) -> None:
    acc = account(desk.world, "wechat_mp", "锦程曲江府公众号")
    url = f"/api/v1/publishing/accounts/{acc.pk}/connection"
    r = api(desk.world.operator).put(url, json.dumps({"app_id": "wx1", "app_secret": "s3cr3t-value"}),
                                     content_type="application/json")  # fmt: skip
    assert r.status_code == 200 and r.json() == {"status": "connected"}
    conn = Connection.objects.get(account=acc)
    assert (
        "s3cr3t-value" not in conn.secret_sealed
        and crypto.unseal(conn.secret_sealed) == "s3cr3t-value"
    )
    assert "s3cr3t" not in r.content.decode()
    bad = api(desk.world.operator).put(
        url, json.dumps({"app_id": "wx1"}), content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "app_secret"
    assert (
        api(desk.world.sales_a).put(url, "{}", content_type="application/json").status_code == 403
    )
    assert api(desk.world.operator_cd).put(url, json.dumps({"app_id": "x", "app_secret": "y"}),
                                           content_type="application/json").status_code == 404  # fmt: skip
    assert Client().put(url, "{}", content_type="application/json").status_code == 401


def test_schedule_refuses_bad_input_and_changes_nothing(desk: Desk, api: Any) -> None:
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    c = api(desk.world.operator)
    url = f"/api/v1/publishing/variants/{v.pk}/schedule"
    past = post(c, url, {"at": (timezone.now() - timezone.timedelta(hours=1)).isoformat()})
    assert past.status_code == 400 and "早于当前时间" in past.json()["errors"][0]["message"]
    assert post(c, url, {}).status_code == 400
    Variant.objects.filter(pk=v.pk).update(status=Status.IN_REVIEW)
    unapproved = post(c, url, {"now": True})
    assert unapproved.status_code == 400 and "审核通过" in unapproved.json()["errors"][0]["message"]
    assert PublishJob.objects.count() == 0
    assert Variant.objects.get(pk=v.pk).status == Status.IN_REVIEW
    assert post(Client(), url, {"now": True}).status_code == 401
    assert post(api(desk.world.sales_a), url, {"now": True}).status_code == 403
    assert post(api(desk.world.operator_cd), url, {"now": True}).status_code == 404


def test_schedule_cancel_and_list_jobs(desk: Desk, api: Any) -> None:
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    c = api(desk.world.operator)
    at = (timezone.now() + timezone.timedelta(hours=2)).replace(microsecond=0)
    r = post(c, f"/api/v1/publishing/variants/{v.pk}/schedule", {"at": at.isoformat()})
    assert r.status_code == 200 and r.json()["state"] == "queued"
    assert Variant.objects.get(pk=v.pk).status == Status.SCHEDULED
    later = at + timezone.timedelta(hours=1)
    r2 = post(c, f"/api/v1/publishing/variants/{v.pk}/schedule", {"at": later.isoformat()})
    assert r2.json()["job"] == r.json()["job"]  # rescheduled, not a second job
    listing = c.get(f"/api/v1/publishing/jobs?state=queued&account={v.account_id}").json()
    assert listing["count"] == 1
    item = listing["items"][0]
    assert set(item) == {
        "id",
        "variant",
        "account",
        "platform",
        "state",
        "attempts",
        "scheduled_at",
        "submitted_at",
        "published_at",
        "url",
        "error_code",
        "error_message",
    }
    assert item["platform"] == "weibo" and item["variant"] == v.pk
    bogus = c.get(
        "/api/v1/publishing/jobs?state=bogus"
    )  # a query-string value: 422 like every list
    assert bogus.status_code == 422 and bogus.json()["errors"][0]["field"] == "state"
    assert api(desk.world.operator_cd).get("/api/v1/publishing/jobs").json()["count"] == 0
    assert post(c, f"/api/v1/publishing/variants/{v.pk}/cancel", {}).json() == {
        "status": "cancelled"
    }
    assert Variant.objects.get(pk=v.pk).status == Status.APPROVED
    assert post(c, f"/api/v1/publishing/variants/{v.pk}/cancel", {}).status_code == 409


def test_an_account_without_connection_becomes_a_package_with_a_message(
    desk: Desk, api: Any
) -> None:
    v = desk.approved("wechat_mp")["wechat_mp"]  # 公众号 connected to nothing
    c = api(desk.world.operator)
    r = post(c, f"/api/v1/publishing/variants/{v.pk}/schedule", {"now": True})
    assert (
        r.status_code == 200 and r.json()["state"] == "manual" and "发布包" in r.json()["message"]
    )
    bad = post(c, f"/api/v1/publishing/variants/{v.pk}/manual", {"url": "not a url"})
    assert bad.status_code == 400
    ok = post(
        c, f"/api/v1/publishing/variants/{v.pk}/manual", {"url": "https://mp.weixin.qq.com/s/x"}
    )
    assert ok.json() == {"status": "published"}
    got = c.get(f"/api/v1/content/items/{v.item_id}").json()
    assert got["variants"][0]["status"] == "published"
    assert got["variants"][0]["published_url"] == "https://mp.weixin.qq.com/s/x"
    r = post(c, f"/api/v1/publishing/variants/{v.pk}/withdraw", {"reason": "信息有误"})
    assert r.json() == {"status": "withdrawn"}
    assert PublishJob.objects.get(variant=v).withdraw_pending  # a person deletes it on the platform
    assert (
        post(c, f"/api/v1/publishing/variants/{v.pk}/withdraw", {"reason": ""}).status_code == 422
    )


def test_content_items_create_with_variants_and_read_back(desk: Desk, api: Any) -> None:
    acc = account(desk.world, "douyin", "锦程曲江府")
    c = api(desk.world.operator)
    body = {
        "title": "五一看房",
        "form": "short_video",
        "variants": [
            {
                "account": acc.pk,
                "title": "五一看房团",
                "body": "锦程·曲江府五一看房团报名中",
                "tags": "西安买房",
            }
        ],
    }
    r = post(c, "/api/v1/content/items", body)
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["status"] == "draft" and len(data["variants"]) == 1 and data["variants"][0]["id"]
    assert c.get(f"/api/v1/content/items/{data['id']}").json()["title"] == "五一看房"
    bad = post(
        c, "/api/v1/content/items", {**body, "variants": [{"account": 999999, "title": "x"}]}
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "variants.0.account"
    assert post(c, "/api/v1/content/items", {"title": "x"}).status_code == 422
    assert post(api(desk.world.sales_a), "/api/v1/content/items", body).status_code == 403
    assert api(desk.world.outsider).get(f"/api/v1/content/items/{data['id']}").status_code in (
        403,
        404,
    )
    assert Client().get(f"/api/v1/content/items/{data['id']}").status_code == 401


def test_a_second_schedule_while_publishing_is_refused(desk: Desk, api: Any) -> None:
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    c = api(desk.world.operator)
    post(c, f"/api/v1/publishing/variants/{v.pk}/schedule", {"now": True})
    PublishJob.objects.filter(variant=v).update(state=State.PUBLISHING)
    r = post(c, f"/api/v1/publishing/variants/{v.pk}/schedule", {"now": True})
    assert r.status_code == 409


def test_dragging_a_scheduled_variant_in_the_calendar_moves_its_job(desk: Desk, api: Any) -> None:
    from mediadesk.content import services as content_services

    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    at = timezone.now() + timezone.timedelta(hours=2)
    post(
        api(desk.world.operator),
        f"/api/v1/publishing/variants/{v.pk}/schedule",
        {"at": at.isoformat()},
    )
    later = (at + timezone.timedelta(days=1)).replace(microsecond=0)
    content_services.reschedule_variant(
        Variant.objects.get(pk=v.pk), by=desk.world.operator, planned_at=later
    )
    job = PublishJob.objects.get(variant=v)
    assert job.scheduled_at == later and job.next_try_at == later
    assert Variant.objects.get(pk=v.pk).status == Status.SCHEDULED


def test_the_queue_page_and_the_jobs_api_answer_the_same_rows(
    desk: Desk, login: Any, api: Any
) -> None:
    from mediadesk.publishing import services
    from tests.api.parity import assert_same_rows

    variants = desk.approved("xiaohongshu", "weibo")
    jobs = [services.schedule_variant(v, by=desk.world.operator, now=True)[0]
            for v in variants.values()]  # fmt: skip
    PublishJob.objects.filter(pk=jobs[0].pk).update(state=State.FAILED)
    cases = [{}, {"state": "failed"}, {"state": "manual"}, {"state": "manual", "due": "1"},
             {"platform": "weibo"}, {"sort": "scheduled"}]  # fmt: skip
    listed = 0
    for user in (
        desk.world.operator,
        desk.world.operator_cd,
        desk.world.manager,
        desk.world.sales_a,
    ):
        listed += assert_same_rows(login(user), api(user), "/publishing/", "/api/v1/publishing/jobs",
                                   cases, limit=50)  # fmt: skip
    assert listed >= 8
