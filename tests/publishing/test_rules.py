"""Rules of publishing: backoff, copy similarity, overdue packages; warnings at scheduling."""

from __future__ import annotations

import datetime as dt
import random
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from mediadesk.publishing import rules, services
from mediadesk.publishing.models import PublishJob, State
from tests.publishing.conftest import Desk


@given(st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=10**6))
def test_backoff_grows_within_its_cap(attempt: int, seed: int) -> None:
    wait = rules.backoff(attempt, base=30, cap=3600, rng=random.Random(seed))
    ceiling = min(3600, 30 * 2 ** (attempt - 1))
    assert ceiling / 2 <= wait.total_seconds() <= ceiling


@given(st.text(max_size=200), st.text(max_size=200))
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    assert 0.0 <= rules.similarity(a, b) <= 1.0
    assert rules.similarity(a, b) == rules.similarity(b, a)


@given(st.text(min_size=4, max_size=200).filter(lambda t: len(rules.normalise(t)) >= 4))
def test_a_text_is_identical_to_itself_whatever_the_punctuation(text: str) -> None:
    assert rules.similarity(text, f"  {text}！！") == 1.0


def test_worked_examples() -> None:
    same = "锦程·曲江府实景示范区开放，欢迎周末到访品鉴园林景观。"
    assert rules.similarity(same, same.replace("，", " ")) == 1.0
    assert rules.similarity(same, "成都天府新区交付仪式圆满举行") < 0.2
    t = timezone.now()
    assert rules.package_overdue(t, t + dt.timedelta(hours=3), dt.timedelta(hours=2))
    assert not rules.package_overdue(t, t + dt.timedelta(hours=1), dt.timedelta(hours=2))


@pytest.mark.django_db
def test_scheduling_warns_of_near_identical_copy_and_of_the_daily_quota(desk: Desk) -> None:
    variants = desk.approved(
        "wechat_mp",
        "weibo",
        body="锦程·曲江府园林开放，周末欢迎品鉴 https://jincheng.example.com/q",
    )
    _, warnings = services.schedule_variant(variants["weibo"], by=desk.world.operator, now=True)
    assert any("几乎相同" in w for w in warnings)
    other = desk.approved("wechat_mp", title="第二篇")["wechat_mp"]
    services.schedule_variant(variants["wechat_mp"], by=desk.world.operator, now=True)
    _, warnings = services.schedule_variant(other, by=desk.world.operator, now=True)
    assert any("每日上限" in w for w in warnings)  # 公众号: 1 per day


@pytest.mark.django_db
def test_publish_due_runs_one_pass(desk: Desk, django_capture_on_commit_callbacks: Any) -> None:
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish-due", stdout=out)
    assert "派发 1" in out.getvalue()
    assert PublishJob.objects.get(pk=job.pk).state == State.QUEUED  # dispatched, worker posts


@given(st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=23),
       st.integers(min_value=0, max_value=23))  # fmt: skip
def test_quiet_hours_wrap_past_midnight(hour: int, start: int, end: int) -> None:
    inside = rules.in_quiet_hours(hour, (start, end))
    if start == end:
        assert not inside
    elif start < end:
        assert inside == (start <= hour < end)
    else:
        assert inside == (not (end <= hour < start))


def test_quiet_hours_examples() -> None:
    assert rules.in_quiet_hours(23, (23, 7)) and rules.in_quiet_hours(3, (23, 7))
    assert not rules.in_quiet_hours(7, (23, 7)) and not rules.in_quiet_hours(12, None)
