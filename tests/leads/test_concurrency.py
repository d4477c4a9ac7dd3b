"""Judging is atomic: 50 simultaneous reports of one number → exactly one 报备成功."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from mediadesk.core.errors import ValidationError
from mediadesk.leads import attribution
from mediadesk.leads.models import Channel, Report, ResultCode

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="the test database on SQLite is in memory; bench/leads.py measures SQLite",
    ),
]


def test_fifty_threads_one_winner(world: Any) -> None:
    channels = [
        Channel.objects.create(organisation=world.org, name=f"并发渠道{i}", kind="agency")
        for i in range(10)
    ]
    attribution.rules_for(world.qujiang)
    start = threading.Barrier(50)
    codes: list[int] = []
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            start.wait()
            report = attribution.file_report(
                project=world.qujiang, phone="13512345678", channel=channels[i % 10],
                by=world.channel,
            )  # fmt: skip
            codes.append(report.result_code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert codes.count(ResultCode.OK) == 1 and len(codes) == 50
    assert Report.objects.filter(result_code=ResultCode.OK, protecting=True).count() == 1
    assert Report.objects.count() == 50


def test_the_daily_report_limit_holds_under_concurrency(world: Any) -> None:
    """Finding 7: 30 parallel reports of distinct numbers by one reporter against a limit of
    20 store exactly 20 (the count used to be taken before any lock, so 21+ got through)."""
    rule_set = attribution.rules_for(world.qujiang)
    rule_set.daily_report_limit = 20
    rule_set.save()
    channel = Channel.objects.create(organisation=world.org, name="限额渠道", kind="agency")
    start = threading.Barrier(30)
    stored: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            start.wait()
            report = attribution.file_report(
                project=world.qujiang, phone=f"135{i:08d}", channel=channel, by=world.channel
            )
            stored.append(report.pk)
        except ValidationError as exc:
            refused.append(str(exc))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(stored) == 20 and len(refused) == 10
    assert all("上限" in message for message in refused)
    assert Report.objects.filter(channel=channel).count() == 20
