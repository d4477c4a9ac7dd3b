"""Daily account figures pulled from the platforms (公众号 datacube user summary/cumulate, 抖音
`/data/external/user/fans/`) through the analytics ingestion service, against the fakes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from mediadesk.analytics.models import AccountDaily, ImportBatch
from mediadesk.core import periodic
from mediadesk.publishing import pulls
from mediadesk.publishing.models import Connection
from tests.conftest import audit_actions
from tests.publishing.conftest import Desk

pytestmark = pytest.mark.django_db


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def figures(account: Any) -> list[tuple[dt.date, int | None, int | None, int | None, str]]:
    return list(
        AccountDaily.objects.filter(account=account)
        .order_by("date")
        .values_list("date", "followers", "new_followers", "cancelled_followers", "source")
    )


def connected(desk: Desk) -> tuple[Any, Any]:
    """A 公众号 and a 抖音 account connected to the fakes, with their follower counts set."""
    wechat, douyin = desk.connect("wechat_mp"), desk.connect("douyin")
    desk.fakes.wechat.followers[Connection.objects.get(account=wechat).app_id] = 6000
    desk.fakes.douyin.fans[Connection.objects.get(account=douyin).app_id] = 9000
    return wechat, douyin


def test_both_platforms_connected_accounts_get_a_row_for_the_day(desk: Desk) -> None:
    wechat, douyin = connected(desk)
    weibo = desk.connect("weibo")  # Weibo has no account figures API: nothing for it
    day = yesterday()
    result = pulls.pull_account_daily(day)
    assert result.failed == {} and result.rows == {wechat.pk: 1, douyin.pk: 1}
    # 公众号: new/cancelled summed over the sources (0 其他合计 9/2, 30 扫描二维码 3/0)
    assert figures(wechat) == [(day, 6000, 12, 2, "api")]
    # 抖音: the fans series' row of that day (yesterday: 9000 − 25 fans, 31 new); no 取关 figure
    assert figures(douyin) == [(day, 8975, 31, None, "api")]
    assert figures(weibo) == []
    assert AccountDaily.objects.get(account=wechat).net_gain == 10
    call = desk.fakes.douyin.calls_to("/data/external/user/fans/")[0]
    assert call.query["date_type"] == "7" and call.query["open_id"]
    for batch in ImportBatch.objects.filter(kind="account_daily"):
        assert batch.source == "api" and batch.status == "done" and batch.created == 1
        assert audit_actions("metrics_import", batch.pk) == ["metrics.import"]
    assert ImportBatch.objects.filter(kind="account_daily").count() == 2


def test_pulling_the_same_day_again_updates_the_figures_and_adds_no_row(desk: Desk) -> None:
    wechat, douyin = connected(desk)
    day = yesterday()
    pulls.pull_account_daily(day)
    desk.fakes.wechat.followers[Connection.objects.get(account=wechat).app_id] = 6100
    desk.fakes.douyin.fans[Connection.objects.get(account=douyin).app_id] = 9100
    again = pulls.pull_account_daily(day)
    assert again.rows == {wechat.pk: 1, douyin.pk: 1}
    assert figures(wechat) == [(day, 6100, 12, 2, "api")]
    assert figures(douyin) == [(day, 9075, 31, None, "api")]
    third = pulls.pull_account_daily(day)  # nothing changed on the platforms: nothing written
    assert third.rows == {wechat.pk: 0, douyin.pk: 0} and third.unchanged == 2
    assert AccountDaily.objects.count() == 2
    updated = ImportBatch.objects.filter(kind="account_daily").order_by("pk")
    assert [(b.created, b.updated, b.unchanged) for b in updated] == [
        (1, 0, 0), (1, 0, 0), (0, 1, 0), (0, 1, 0), (0, 0, 1), (0, 0, 1),
    ]  # fmt: skip


FAILURES = [
    ("wechat_mp", "/datacube/getusersummary", ("status", 502), "connected", "平台服务暂时不可用"),
    ("wechat_mp", "/datacube/getusercumulate", ("code", 40164), "connected", "白名单"),
    ("douyin", "/data/external/user/fans/", ("code", 2190004), "connected", "勾选权限"),
    ("douyin", "/data/external/user/fans/", ("code", 28001012), "connected", "勾选权限"),
    ("douyin", "refresh_token", None, "expired", "refresh_token 已过期"),
]


@pytest.mark.parametrize(("code", "path", "mode", "status", "says"), FAILURES)
def test_one_account_failing_is_reported_and_the_others_still_get_their_row(
    desk: Desk, code: str, path: str, mode: Any, status: str, says: str
) -> None:
    wechat, douyin = connected(desk)
    broken, fine = (wechat, douyin) if code == "wechat_mp" else (douyin, wechat)
    fake = desk.fakes.wechat if code == "wechat_mp" else desk.fakes.douyin
    if mode is None:  # the platform rejects the token, and its refresh token has expired too
        desk.fakes.douyin.expire(refresh=True)
    else:
        fake.fail_next(path, mode)
    day = yesterday()
    result = pulls.pull_account_daily(day)
    assert list(result.failed) == [broken.pk] and says in result.failed[broken.pk]
    assert result.rows == {fine.pk: 1} and len(figures(fine)) == 1
    assert figures(broken) == []
    conn = Connection.objects.get(account=broken)
    assert conn.status == status and says in conn.last_error
    assert Connection.objects.get(account=fine).last_error == ""
    if status == "connected":  # the platform recovers: the next pull writes it and clears the error
        again = pulls.pull_account_daily(day)
        assert again.failed == {} and again.rows == {broken.pk: 1, fine.pk: 0}
        assert len(figures(broken)) == 1
        assert Connection.objects.get(account=broken).last_error == ""
    else:  # an expired authorisation is not asked again until someone reauthorises
        assert broken.pk not in pulls.pull_account_daily(day).failed
        assert figures(broken) == []


def test_the_daily_job_is_registered_and_fills_the_last_week(desk: Desk) -> None:
    wechat, douyin = connected(desk)
    job = periodic.JOBS["publishing.daily"]
    assert job.every == dt.timedelta(days=1)
    slot = periodic.current_slot(job, timezone.now())
    first_day = timezone.localdate(slot) - dt.timedelta(days=7)
    # a day already imported by file is brought to the platform's figures, not duplicated
    AccountDaily.objects.create(account=wechat, organisation=wechat.organisation,
                                date=first_day, followers=1, source="import")  # fmt: skip
    assert job.func(slot) == 14
    days = [first_day + dt.timedelta(days=n) for n in range(7)]
    assert [row[0] for row in figures(wechat)] == days
    assert [row[0] for row in figures(douyin)] == days
    assert figures(wechat)[0] == (first_day, 6000, 12, 2, "api")
    back = (timezone.localdate() - days[-1]).days  # the fake's series: 25 fans a day back
    assert figures(douyin)[-1] == (days[-1], 9000 - 25 * back, 30 + back, None, "api")
    summary = desk.fakes.wechat.calls_to("/datacube/getusersummary")[0].body
    assert (summary["begin_date"], summary["end_date"]) == (
        first_day.isoformat(),
        days[-1].isoformat(),
    )


def test_days_beyond_what_douyin_keeps_are_reported_not_invented(desk: Desk) -> None:
    _wechat, douyin = connected(desk)
    long_ago = timezone.localdate() - dt.timedelta(days=40)
    result = pulls.pull_account_daily(long_ago)
    assert "30 天" in result.failed[douyin.pk] and figures(douyin) == []
