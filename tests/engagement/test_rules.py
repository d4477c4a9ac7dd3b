"""Pure rules: SLA due times (with business hours), lead detection, reply variables and
ranking, spikes, grading, dedup — worked examples and hypothesis properties."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from mediadesk.engagement import rules

SH = ZoneInfo("Asia/Shanghai")
T10 = dt.datetime(2026, 3, 3, 10, 0, tzinfo=SH)
HOURS = (dt.time(9, 0), dt.time(18, 0))


def test_default_targets() -> None:
    assert rules.default_minutes("weibo", "comment") == 30
    assert rules.default_minutes("wechat_mp", "comment") == 120
    assert rules.default_minutes("douyin", "private_message") == 120


def test_business_hours_carry_over_to_the_next_morning() -> None:
    at = dt.datetime(2026, 3, 3, 17, 30, tzinfo=SH)
    assert rules.due_at(at, 120, HOURS) == dt.datetime(2026, 3, 4, 10, 30, tzinfo=SH)
    night = dt.datetime(2026, 3, 3, 22, 0, tzinfo=SH)
    assert rules.due_at(night, 30, HOURS) == dt.datetime(2026, 3, 4, 9, 30, tzinfo=SH)
    assert rules.due_at(T10, 30, HOURS) == T10 + dt.timedelta(minutes=30)


@given(st.integers(0, 60 * 24 * 3), st.integers(1, 3000))
def test_due_is_never_before_the_plain_target(offset: int, minutes: int) -> None:
    at = T10 + dt.timedelta(minutes=offset)
    plain = rules.due_at(at, minutes)
    assert plain == at + dt.timedelta(minutes=minutes)
    business = rules.due_at(at, minutes, HOURS)
    assert business >= plain
    assert dt.time(9, 0) <= business.timetz().replace(tzinfo=None) <= dt.time(18, 0)


def test_lead_detection() -> None:
    assert rules.lead_reasons("多少钱一平？电话13912345678") == ["phone", "price", "contact"]
    assert rules.lead_reasons("139-1234-5678 想看三室") == ["phone", "layout"]
    assert rules.lead_reasons("环境很好") == []
    assert rules.phones_in("+8613912345678，再打13812345678") == ["13912345678", "13812345678"]
    assert rules.mask_phones("电话13912345678") == "电话139****5678"


@given(st.text(max_size=200))
def test_masking_never_leaves_a_full_number(text: str) -> None:
    assert rules.phones_in(rules.mask_phones(text)) == []


def test_render_variables() -> None:
    assert rules.render("欢迎来{项目名}，电话{售楼处电话}", {"项目名": "曲江府"}) == ("欢迎来曲江府，电话{售楼处电话}", ["售楼处电话"])  # fmt: skip


def test_rank_top_three_fitting_the_platform() -> None:
    cands = [rules.Candidate(1, ("价格",), "咨询价格", ()), rules.Candidate(2, (), "户型面积", ("douyin",)),
             rules.Candidate(3, (), "感谢", ()), rules.Candidate(4, (), "咨询价格", (), usage=9)]  # fmt: skip
    assert rules.rank({1: 4, 2: 9, 3: 0, 4: 1}, cands, "weibo") == [1, 4]
    assert rules.rank({1: 4, 2: 9, 4: 1}, cands, "douyin") == [2, 1, 4]


def test_spike() -> None:
    assert rules.is_spike(31, [10, 10, 9, 11, 10, 12, 8], factor=3, min_count=10)
    assert not rules.is_spike(30, [10] * 7, factor=3, min_count=10)
    assert not rules.is_spike(5, [0] * 7, factor=3, min_count=10)
    assert rules.is_spike(10, [], factor=3, min_count=10)


GRADES = [rules.GradeRule(1, min_reach=1_000_000, min_negative=100), rules.GradeRule(2, min_reach=100_000, min_negative=30), rules.GradeRule(3)]  # fmt: skip


def test_default_grades() -> None:
    assert rules.grade_of(rules.Facts(negatives=30, total=30), GRADES) == 2
    assert rules.grade_of(rules.Facts(negatives=29, total=40), GRADES) == 3
    assert rules.grade_of(rules.Facts(reach=2_000_000), GRADES) == 1


@given(st.integers(0, 10**7), st.integers(0, 500), st.integers(0, 10**7), st.integers(0, 500))
def test_more_reach_or_negatives_never_lowers_the_grade(r: int, n: int, dr: int, dn: int) -> None:
    low = rules.grade_of(rules.Facts(reach=r, negatives=n, total=n), GRADES)
    high = rules.grade_of(rules.Facts(reach=r + dr, negatives=n + dn, total=n + dn), GRADES)
    assert low is not None and high is not None and high <= low


def test_dedup_key() -> None:
    assert rules.dedup_key("https://A.com/1 ", "x") == rules.dedup_key("https://a.com/1", "y")
    assert rules.dedup_key("", "曲江府 维权") == rules.dedup_key("", "曲江府维权")


def test_percentile() -> None:
    assert rules.percentile([], 50) is None
    assert rules.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9


def test_round_robin_takes_turns_within_and_across_batches(desk: Any, world: Any) -> None:
    """Seats are written back once per batch; the order still carries over to the next one."""
    from mediadesk.engagement import services
    from mediadesk.engagement.models import ServiceSeat
    from mediadesk.orgs.roles import Role
    from tests.conftest import make_user

    second = make_user("kf_b", world.org, (Role.SERVICE, world.xian))
    ServiceSeat.objects.create(organisation=world.org, user=second, supervisor=desk.supervisor)
    now = dt.datetime.now(dt.UTC)

    def batch(tag: str, n: int) -> list[int | None]:
        items = [services.Incoming(platform="weibo", kind="comment", external_id=f"{tag}{i}", text="你好", received_at=now, account_id=desk.weibo.pk) for i in range(n)]  # fmt: skip
        return [m.assignee_id for m, _new in services.ingest(world.org, items)]

    first = batch("a", 3)
    assert first[0] != first[1] and first[0] == first[2]
    assert batch("b", 1) == [first[1]]  # the seat that had one fewer goes next
    stamps = list(
        ServiceSeat.objects.order_by("last_assigned_at").values_list("user_id", flat=True)
    )
    assert stamps == [first[0], first[1]]
