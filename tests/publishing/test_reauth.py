"""A token our side thought valid, rejected by the platform at publish time: the job fails at
once (no retry) asking to reauthorise with the link, the connection turns expired, the people
are told, and nothing is posted — driven through the real worker against the fakes."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.notifications.models import Notification
from mediadesk.publishing import services
from mediadesk.publishing.models import Attempt, Connection, PublishJob, State
from tests.conftest import audit_actions
from tests.publishing.conftest import Desk
from tests.publishing.test_worker import dispatch_and_run

pytestmark = pytest.mark.django_db


def assert_failed_asking_to_reauthorise(desk: Desk, job: PublishJob, acc: Any, code: str) -> None:
    job.refresh_from_db()
    link = services.reauth_url(job)
    assert link == f"/publishing/connections/{acc.pk}/"
    assert job.state == State.FAILED and job.attempts == 1 and job.error_code == code
    assert "请重新授权" in job.error_message and link in job.error_message
    assert list(Attempt.objects.filter(job=job).values_list("outcome", flat=True)) == ["failed"]
    conn = Connection.objects.get(account=acc)
    assert conn.status == "expired" and "请重新授权" in conn.last_error
    note = Notification.objects.get(recipient=desk.world.operator, kind="publishing.failed")
    assert link in note.body and note.body.count(link) == 1
    assert "publishing.failed" in audit_actions("publish_job", job.pk)


@pytest.mark.parametrize("how", ["answered on command (HTTP 403)", "token expired on the platform"])
def test_weibo_answering_21327_fails_the_job_asking_to_reauthorise_and_posts_nothing(
    desk: Desk, django_capture_on_commit_callbacks: Any, how: str
) -> None:
    acc = desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    if how.startswith("answered"):
        desk.fakes.weibo.fail_next("/2/statuses/share.json", ("code", 21327))
    else:
        desk.fakes.weibo.expired.update(desk.fakes.weibo.tokens)
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    assert_failed_asking_to_reauthorise(desk, job, acc, "21327")
    [share] = desk.fakes.weibo.calls_to("/2/statuses/share.json")
    assert '"error_code": 21327' in share.answered
    dispatch_and_run(django_capture_on_commit_callbacks)  # not retried
    assert PublishJob.objects.get(pk=job.pk).attempts == 1
    assert desk.fakes.weibo.posts == [] and len(desk.fakes.weibo.calls_to("share.json")) == 1


DOUYIN_REJECTIONS = [
    # the access token is rejected as expired and the refresh token has expired too (10010)
    ("refresh token expired", None, "10010"),
    # refreshed, but the platform still rejects the token as expired (old and new codes)
    ("still expired (2190008)", ("code", 2190008), "2190008"),
    ("still expired (28001008)", ("code", 28001008), "28001008"),
]


@pytest.mark.parametrize(("case", "mode", "code"), DOUYIN_REJECTIONS)
def test_douyin_rejecting_the_token_fails_the_job_asking_to_reauthorise_and_posts_nothing(
    desk: Desk, django_capture_on_commit_callbacks: Any, case: str, mode: Any, code: str
) -> None:
    acc = desk.connect("douyin")
    v = desk.approved("douyin")["douyin"]
    if mode is None:
        desk.fakes.douyin.expire(refresh=True)
    else:
        desk.fakes.douyin.fail_next("/video/create/", mode, mode)
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    assert_failed_asking_to_reauthorise(desk, job, acc, code)
    assert len(desk.fakes.douyin.calls_to("/oauth/refresh_token/")) == 1  # refreshed once first
    dispatch_and_run(django_capture_on_commit_callbacks)  # not retried
    assert PublishJob.objects.get(pk=job.pk).attempts == 1
    assert desk.fakes.douyin.posts == []


@pytest.mark.parametrize("code", [2190008, 10008, 28001008])
def test_douyin_refreshes_a_token_rejected_as_expired_once_and_publishes(
    desk: Desk, django_capture_on_commit_callbacks: Any, code: int
) -> None:
    acc = desk.connect("douyin")
    v = desk.approved("douyin")["douyin"]
    desk.fakes.douyin.fail_next("/video/create/", ("code", code))
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == State.PUBLISHED and job.attempts == 1 and len(desk.fakes.douyin.posts) == 1
    assert len(desk.fakes.douyin.calls_to("/oauth/refresh_token/")) == 1
    assert Connection.objects.get(account=acc).status == "connected"


def test_douyin_quota_used_up_is_retried_not_taken_for_an_expired_authorisation(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    acc = desk.connect("douyin")
    v = desk.approved("douyin")["douyin"]
    desk.fakes.douyin.fail_next("/video/create/", ("code", 2190001))  # quota 已用完
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == State.QUEUED and job.error_code == "2190001"
    assert Connection.objects.get(account=acc).status == "connected"
    dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == State.PUBLISHED and job.attempts == 2 and len(desk.fakes.douyin.posts) == 1
