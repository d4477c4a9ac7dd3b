"""The acceptance list of 06-publishing.md, driven through the real worker against the fakes."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from mediadesk.analytics.models import MetricSnapshot
from mediadesk.content import services as content_services
from mediadesk.content.models import ContentItem, Status, Variant
from mediadesk.notifications.models import Notification
from mediadesk.publishing import conf, engine, pulls, services
from mediadesk.publishing.models import (
    Attempt,
    Connection,
    MetricPull,
    PostCheck,
    PublishJob,
    State,
)
from tests.conftest import audit_actions
from tests.publishing.conftest import Desk, pass_time, run_worker

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for kill -9: nothing after it runs, nothing is cleaned up."""


def dispatch_and_run(capture: Any) -> None:
    with capture(execute=True):
        engine.dispatch()
    run_worker()


def sweep_after(seconds: float, capture: Any) -> dict[str, int]:
    pass_time(seconds)
    with capture(execute=True):
        return engine.sweep()


def test_approved_wechat_variant_goes_out_at_its_time_polled_to_published_with_a_1h_check(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("wechat_mp")
    v = desk.approved("wechat_mp")["wechat_mp"]
    desk.fakes.wechat.pending_polls = 1
    job, _warnings = services.schedule_variant(v, by=desk.world.operator,
                                               at=timezone.now() + timezone.timedelta(minutes=10))  # fmt: skip
    dispatch_and_run(django_capture_on_commit_callbacks)
    assert desk.fakes.wechat.posts == []  # not due yet
    pass_time(600)
    dispatch_and_run(django_capture_on_commit_callbacks)
    [post] = desk.fakes.wechat.posts
    assert (post.title, post.extra["digest"]) == (v.title, v.digest)
    assert "锦程·曲江府实景示范区开放" in post.text
    job.refresh_from_db()
    assert job.state == State.SUBMITTED and job.publish_id and job.submitted_at is not None
    assert abs((job.submitted_at - job.scheduled_at).total_seconds()) < 60
    sweep_after(30, django_capture_on_commit_callbacks)  # first poll: still publishing
    job.refresh_from_db()
    assert job.state == State.SUBMITTED
    sweep_after(30, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    v.refresh_from_db()
    assert job.state == State.PUBLISHED and job.url.startswith("https://mp.weixin.qq.com/s/")
    assert v.status == Status.PUBLISHED and v.published_url == job.url
    check = PostCheck.objects.get(job=job)
    assert check.published_ok and check.link_ok and check.confirmed_at is None
    assert (check.due_at - job.published_at) == conf.CHECK_AFTER
    assert sorted(MetricPull.objects.filter(job=job).values_list("hours", flat=True)) == [
        1,
        24,
        48,
        72,
    ]
    assert "publishing.schedule" in audit_actions("variant", v.pk)
    assert "publishing.published" in audit_actions("variant", v.pk)


def test_a_variant_edited_after_approval_posts_nothing_and_goes_back_to_review(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("wechat_mp")
    v = desk.approved("wechat_mp")["wechat_mp"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    Variant.objects.filter(pk=v.pk).update(
        body="改过的正文：全网最低价"
    )  # a change review never saw
    dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert desk.fakes.wechat.posts == [] and desk.fakes.wechat.calls_to("/draft/add") == []
    assert job.state == State.FAILED and job.error_code == "content_changed_since_approval"
    assert "内容已在审核后修改" in job.error_message
    assert ContentItem.objects.get(pk=v.item_id).status == Status.IN_REVIEW


def test_an_edit_through_the_editor_after_scheduling_also_posts_nothing(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    content_services.update_variant(v, by=desk.world.operator, values={"title": "新标题"})
    dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert desk.fakes.weibo.posts == [] and job.state == State.FAILED
    assert job.error_code == "content_changed_since_approval"
    assert ContentItem.objects.get(pk=v.item_id).status == Status.IN_REVIEW


@pytest.mark.parametrize(("code", "path"), [("wechat_mp", "/cgi-bin/freepublish/submit"),
                                            ("weibo", "/2/statuses/share.json"),
                                            ("douyin", "/video/create/")])  # fmt: skip
def test_accepted_then_dropped_and_the_worker_killed_the_sweeper_records_exactly_one_post(
    desk: Desk, django_capture_on_commit_callbacks: Any, code: str, path: str
) -> None:
    desk.connect(code)
    v = desk.approved(code)[code]
    fake = {"wechat_mp": desk.fakes.wechat, "weibo": desk.fakes.weibo, "douyin": desk.fakes.douyin}[
        code
    ]
    fake.fail_next(path, ("drop",))
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    with (
        mock.patch.object(engine, "fail_or_retry", side_effect=WorkerKilled),
        pytest.raises(WorkerKilled),
    ):
        engine.run_job(job.pk)  # the platform kept the post; the worker dies before recording
    job.refresh_from_db()
    assert job.state == State.PUBLISHING and job.submit_started_at is not None
    assert len(fake.live_posts()) == 1
    counts = sweep_after(conf.lease().total_seconds() + 1, django_capture_on_commit_callbacks)
    assert counts["reconciled"] == 1
    dispatch_and_run(django_capture_on_commit_callbacks)
    sweep_after(30, django_capture_on_commit_callbacks)  # WeChat: poll the submission
    job.refresh_from_db()
    v.refresh_from_db()
    assert len(fake.live_posts()) == 1  # exactly one post on the platform
    assert job.state == State.PUBLISHED and v.status == Status.PUBLISHED and v.published_url
    assert PublishJob.objects.filter(variant=v).count() == 1


@pytest.mark.parametrize(("code", "path"), [("wechat_mp", "/cgi-bin/freepublish/submit"),
                                            ("weibo", "/2/statuses/share.json"),
                                            ("douyin", "/video/create/")])  # fmt: skip
def test_reconciling_pages_past_many_later_posts_on_a_busy_account(
    desk: Desk, django_capture_on_commit_callbacks: Any, code: str, path: str
) -> None:
    from tests.fakes.platforms import Post

    desk.connect(code)
    v = desk.approved(code)[code]
    fake = {"wechat_mp": desk.fakes.wechat, "weibo": desk.fakes.weibo, "douyin": desk.fakes.douyin}[
        code
    ]
    fake.fail_next(path, ("drop",))
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    with (
        mock.patch.object(engine, "fail_or_retry", side_effect=WorkerKilled),
        pytest.raises(WorkerKilled),
    ):
        engine.run_job(job.pk)
    [ours] = fake.live_posts()
    for n in range(130):  # other posts on the account after ours: several pages of listing
        fake.posts.append(
            Post(ours.account, str(9_000_000 + n), f"别的标题{n}", f"别的内容{n}", ours.created + 1)
        )
    counts = sweep_after(conf.lease().total_seconds() + 1, django_capture_on_commit_callbacks)
    assert counts["reconciled"] == 1, [(c.path, c.query, c.answered[:200]) for c in fake.calls[-3:]]
    assert [p for p in fake.live_posts() if p.id == ours.id or p.text == ours.text] == [ours]
    assert len(fake.live_posts()) == 131


def test_a_dropped_answer_without_a_crash_is_reconciled_by_the_retry_not_posted_again(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    desk.fakes.weibo.fail_next("/2/statuses/share.json", ("drop",))
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    for _ in range(2):
        dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert len(desk.fakes.weibo.posts) == 1 and job.state == State.PUBLISHED and job.attempts == 2
    assert list(Attempt.objects.filter(job=job).values_list("outcome", flat=True)) == [
        "retry",
        "reconciled",
    ]


def test_invalid_ip_fails_at_once_with_a_whitelist_message_and_notifies(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    acc = desk.connect("wechat_mp")
    acc.custodian = desk.world.manager_xa
    acc.save()
    v = desk.approved("wechat_mp")["wechat_mp"]
    desk.fakes.wechat.fail_next("/cgi-bin/draft/add", ("code", 40164))
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == State.FAILED and job.attempts == 1 and job.error_code == "40164"
    assert "白名单" in job.error_message
    for user in (desk.world.operator, desk.world.manager_xa):
        assert Notification.objects.filter(recipient=user, kind="publishing.failed").exists()
    assert desk.fakes.wechat.posts == []


def test_a_5xx_twice_then_success_is_published_after_three_attempts(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("wechat_mp")
    v = desk.approved("wechat_mp")["wechat_mp"]
    desk.fakes.wechat.fail_next("/cgi-bin/draft/add", ("status", 502), ("status", 503))
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    for _ in range(3):
        dispatch_and_run(django_capture_on_commit_callbacks)
    sweep_after(30, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == State.PUBLISHED and job.attempts == 3
    assert len(desk.fakes.wechat.posts) == 1


def test_transient_errors_stop_at_the_configured_maximum(
    desk: Desk, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.PUBLISHING_MAX_ATTEMPTS = 2
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    desk.fakes.weibo.fail_next("/2/statuses/share.json", ("code", 10023), ("code", 10023))
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    for _ in range(3):
        dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == State.FAILED and job.attempts == 2 and job.error_code == "10023"


def test_a_slow_answer_within_the_timeout_still_publishes(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    desk.fakes.weibo.fail_next("/2/statuses/share.json", ("slow", 0.2))
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == State.PUBLISHED and len(desk.fakes.weibo.posts) == 1


def test_a_timeout_is_retried_after_asking_the_platform(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("douyin")
    v = desk.approved("douyin")["douyin"]
    desk.fakes.douyin.fail_next("/video/create/", ("timeout",))
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    for _ in range(2):
        dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == State.PUBLISHED and len(desk.fakes.douyin.posts) == 1
    assert len(desk.fakes.douyin.calls_to("/video/list/")) >= 1  # asked before posting again


def test_the_wechat_token_is_fetched_once_for_many_posts(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("wechat_mp")
    for n in range(3):
        v = desk.approved("wechat_mp", title=f"园林开放{n}")["wechat_mp"]
        services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    assert desk.fakes.wechat.token_calls == 1 and len(desk.fakes.wechat.posts) == 3


def test_an_expired_wechat_token_is_refreshed_and_the_call_repeated(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("wechat_mp")
    v = desk.approved("wechat_mp")["wechat_mp"]
    desk.fakes.wechat.fail_next("/cgi-bin/draft/add", ("code", 42001))
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == State.SUBMITTED and job.attempts == 1 and desk.fakes.wechat.token_calls == 2


def test_douyin_refreshes_an_expired_token_and_uploads_large_videos_in_chunks(
    desk: Desk, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.DOUYIN_CHUNK_THRESHOLD = 100
    settings.DOUYIN_CHUNK_BYTES = 200
    acc = desk.connect("douyin")
    desk.fakes.douyin.expired.update(desk.fakes.douyin.tokens)  # every current token expired
    v = desk.approved("douyin")["douyin"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == State.PUBLISHED and desk.fakes.douyin.part_calls >= 2
    assert sum(desk.fakes.douyin.videos.values()) > 200
    assert Connection.objects.get(account=acc).expires_at > timezone.now()


def test_an_expired_oauth_token_fails_the_job_asking_to_reauthorise_with_a_link(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    acc = desk.connect("weibo")
    Connection.objects.filter(account=acc).update(
        expires_at=timezone.now() - timezone.timedelta(hours=1)
    )
    v = desk.approved("weibo")["weibo"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == State.FAILED and "请重新授权" in job.error_message
    note = Notification.objects.get(recipient=desk.world.operator, kind="publishing.failed")
    assert f"/publishing/connections/{acc.pk}/" in note.body
    assert Connection.objects.get(account=acc).status == "expired"
    assert desk.fakes.weibo.posts == []


def test_the_shared_rate_limit_holds_back_posts_without_counting_attempts(
    desk: Desk, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.PUBLISHING_RATE_PER_MINUTE = 1
    desk.connect("weibo")
    jobs = []
    for n in range(2):
        v = desk.approved("weibo", title=f"限流{n}")["weibo"]
        jobs.append(services.schedule_variant(v, by=desk.world.operator, now=True)[0])
    dispatch_and_run(django_capture_on_commit_callbacks)
    states = sorted(
        PublishJob.objects.filter(pk__in=[j.pk for j in jobs]).values_list("state", "attempts")
    )
    assert states == [("published", 1), ("queued", 0)]


def test_a_xiaohongshu_variant_becomes_a_package_and_pasting_the_link_publishes_it(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    v = desk.approved("xiaohongshu")["xiaohongshu"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    assert job.state == State.MANUAL and "发布包" in job.error_message
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_packages(timezone.now()) == 1
    assert Notification.objects.filter(
        recipient=desk.world.operator, kind="publishing.package_due"
    ).exists()
    services.mark_manual(
        v, by=desk.world.operator, url="https://www.xiaohongshu.com/explore/abc", published_at=None
    )
    job.refresh_from_db()
    v.refresh_from_db()
    assert job.state == State.PUBLISHED and v.status == Status.PUBLISHED
    assert v.published_url == "https://www.xiaohongshu.com/explore/abc"
    assert PostCheck.objects.filter(job=job).exists()


def test_the_24h_metric_pull_writes_a_snapshot_that_template_3_shows(
    desk: Desk, django_capture_on_commit_callbacks: Any, api: Any
) -> None:
    desk.connect("douyin")
    v = desk.approved("douyin")["douyin"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    day_ago = timezone.now() - timezone.timedelta(hours=25)  # a day went by
    PublishJob.objects.filter(pk=job.pk).update(published_at=day_ago)
    Variant.objects.filter(pk=v.pk).update(published_at=day_ago)
    MetricPull.objects.filter(job=job, hours__in=[1, 24]).update(due_at=timezone.now())
    assert pulls.pull_due() == 2
    snap = MetricSnapshot.objects.filter(variant=v).latest("taken_at")
    assert snap.reads == 1200 and snap.likes == 80
    day = timezone.localdate(day_ago).isoformat()
    answer = api(desk.world.manager).get(f"/api/v1/analytics/monitoring?start={day}&end={day}")
    rows = answer.json()["items"]
    assert any(r.get("exposure") == 1200 for r in rows), rows
    assert MetricPull.objects.filter(job=job, done_at__isnull=False).count() == 2


def test_withdrawing_a_wechat_post_deletes_it_on_the_platform(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("wechat_mp")
    v = desk.approved("wechat_mp")["wechat_mp"]
    services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    sweep_after(30, django_capture_on_commit_callbacks)
    services.withdraw_variant(v, by=desk.world.operator, reason="项目信息有误")
    v.refresh_from_db()
    assert v.status == Status.WITHDRAWN and desk.fakes.wechat.live_posts() == []
    assert "publishing.withdraw" in audit_actions("variant", v.pk)


def test_withdrawing_a_douyin_post_leaves_a_task_to_delete_it_by_hand(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("douyin")
    v = desk.approved("douyin")["douyin"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    services.withdraw_variant(v, by=desk.world.operator, reason="视频素材需替换")
    job.refresh_from_db()
    v.refresh_from_db()
    assert v.status == Status.WITHDRAWN and job.withdraw_pending
    services.confirm_withdrawn(job, by=desk.world.operator)
    job.refresh_from_db()
    assert not job.withdraw_pending


def test_the_operator_confirms_the_1h_check_and_an_overdue_one_escalates(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("weibo")
    a = desk.approved("weibo", title="检查一")["weibo"]
    b = desk.approved("weibo", title="检查二")["weibo"]
    for v in (a, b):
        services.schedule_variant(v, by=desk.world.operator, now=True)
    dispatch_and_run(django_capture_on_commit_callbacks)
    first, _second = PostCheck.objects.order_by("pk")
    assert first.published_ok and "published_ok" in first.prefilled
    services.confirm_check(
        first, by=desk.world.operator, values={"first_comment_done": True, "note": "已置顶"}
    )
    first.refresh_from_db()
    assert first.confirmed_by == desk.world.operator and first.first_comment_done
    later = timezone.now() + timezone.timedelta(hours=2, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.escalate_checks(later) == 1
    assert Notification.objects.filter(
        recipient=desk.world.manager, kind="publishing.check_overdue"
    ).exists()


def test_a_dispatched_job_is_dispatched_again_only_when_its_task_was_lost(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert engine.dispatch() == 1
        assert engine.dispatch() == 0  # its task is still waiting in the queue
    PublishJob.objects.filter(pk=job.pk).update(
        dispatched_at=timezone.now() - conf.redispatch_after() - timezone.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert engine.dispatch() == 1
    run_worker()
    job.refresh_from_db()
    assert job.state == State.PUBLISHED and len(desk.fakes.weibo.posts) == 1


def test_a_chunk_is_claimed_at_once_and_each_job_keeps_its_own_outcome(desk: Desk) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    desk.connect("weibo")
    jobs = []
    for n in range(8):
        v = desk.approved("weibo", title=f"批量{n}")["weibo"]
        jobs.append(services.schedule_variant(v, by=desk.world.operator, now=True)[0])
    held, later = jobs[1], jobs[2]
    PublishJob.objects.filter(pk=held.pk).update(
        state=State.PUBLISHING, lease_owner="another-worker",
        lease_until=timezone.now() + timezone.timedelta(minutes=5),
    )  # fmt: skip
    PublishJob.objects.filter(pk=later.pk).update(
        next_try_at=timezone.now() + timezone.timedelta(hours=1)
    )

    out = engine.run_jobs([j.pk for j in jobs[:4]], worker="w-chunk")

    assert out == ["published", "skipped", "skipped", "published"]
    states = dict(PublishJob.objects.filter(pk__in=[j.pk for j in jobs[:4]]).values_list("pk", "state"))  # fmt: skip
    assert states == {jobs[0].pk: "published", held.pk: "publishing", later.pk: "queued",
                      jobs[3].pk: "published"}  # fmt: skip
    assert Attempt.objects.filter(job__in=jobs[:4]).count() == 2
    assert len(desk.fakes.weibo.posts) == 2
    # Claiming costs the same statements for two jobs as for four: one transaction per chunk.
    now = timezone.now()
    with CaptureQueriesContext(connection) as two:
        engine.claim([jobs[4].pk, jobs[5].pk], "w-two", now)
    with CaptureQueriesContext(connection) as four:
        engine.claim([j.pk for j in jobs[4:8]], "w-four", now)  # two already taken by w-two
    with CaptureQueriesContext(connection) as more:
        PublishJob.objects.filter(pk__in=[j.pk for j in jobs[4:8]]).update(
            state=State.QUEUED, lease_owner="", lease_until=None
        )
        claimed = engine.claim([j.pk for j in jobs[4:8]], "w-again", now)
    assert len(claimed) == 4 and len(two) == len(four) == len(more) - 1
    assert set(PublishJob.objects.filter(pk__in=[j.pk for j in jobs[4:8]]).values_list(
        "lease_owner", flat=True)) == {"w-again"}  # fmt: skip


def test_a_chunks_guard_verdict_is_read_again_before_posting_once_it_is_old(
    desk: Desk, monkeypatch: Any
) -> None:
    from mediadesk.publishing import guard

    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    checks = guard.Checks([job])
    assert checks.problem(job) == ""
    Variant.objects.filter(pk=v.pk).update(body="改过的正文：首付10万起")  # edited after approval
    assert checks.problem(job) == ""  # within FRESH the chunk's reading stands
    monkeypatch.setattr(guard.Checks, "FRESH", timezone.timedelta(0))
    assert checks.problem(job) == guard.CHANGED
    assert engine.run_job(job.pk) == "failed"
    assert PublishJob.objects.get(pk=job.pk).error_code == guard.CHANGED
    assert desk.fakes.weibo.posts == []
