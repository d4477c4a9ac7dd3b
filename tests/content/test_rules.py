"""Pure planning rules: platform limits, target figures, weeks, file kinds."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediadesk.content import rules

WECHAT = rules.Limits("wechat_mp", "微信公众号", 32, 20000)
DOUYIN = rules.Limits("douyin", "抖音", 55, 1000)
WEIBO = rules.Limits("weibo", "微博", None, 2000)
XHS = rules.Limits("xiaohongshu", "小红书", 20, 1000)


def rule_ids(findings: list[dict]) -> list[str]:
    return [f["rule"] for f in findings]


def test_title_over_the_platform_limit_blocks_and_points_at_the_excess() -> None:
    title = "锦" * 25
    [f] = rules.check_variant(XHS, rules.VariantText(title=title))
    assert (f["rule"], f["severity"], f["field"]) == ("limit.title", "block", "title")
    assert (f["start"], f["end"]) == (20, 25) and f["term"] == title[20:]


def test_wechat_digest_over_128_blocks_and_long_titles_get_a_hint() -> None:
    findings = rules.check_variant(WECHAT, rules.VariantText(title="锦" * 24, digest="要" * 129))
    assert {(f["rule"], f["severity"]) for f in findings} == {
        ("limit.digest", "block"),
        ("limit.wechat_safe_title", "info"),
    }
    assert rules.check_variant(WECHAT, rules.VariantText(title="锦程", digest="要" * 128)) == []


def test_hashtag_form_per_platform() -> None:
    weibo = rules.check_variant(WEIBO, rules.VariantText(tags="#美好西安# #曲江"))
    assert [(f["term"], f["suggestion"]) for f in weibo] == [("#曲江", "#曲江#")]
    douyin = rules.check_variant(DOUYIN, rules.VariantText(tags="#美好西安 #曲江# 西安"))
    assert [(f["term"], f["severity"]) for f in douyin] == [("#曲江#", "warn"), ("西安", "warn")]
    assert rules.check_variant(XHS, rules.VariantText(tags="#西安 #周末去哪儿")) == []


def test_douyin_video_length_guidance_is_a_warning() -> None:
    assert rules.check_variant(DOUYIN, rules.VariantText(duration_seconds=45, is_video=True)) == []
    [long] = rules.check_variant(DOUYIN, rules.VariantText(duration_seconds=90, is_video=True))
    assert (long["rule"], long["severity"], long["field"]) == (
        "limit.video_length",
        "warn",
        "duration",
    )
    [script] = rules.check_variant(DOUYIN, rules.VariantText(body="字" * 400, is_video=True))
    assert script["field"] == "body" and "100 秒" in script["message"]
    assert rules.check_variant(WECHAT, rules.VariantText(duration_seconds=90, is_video=True)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("曝光50万/互动1万/转化200", (500_000, 10_000, 200)),
        ("播放1.5万、转化30", (15_000, None, 30)),
        ("", (None, None, None)),
        ("互动：2000 / 曝光 1亿", (100_000_000, 2000, None)),
    ],
)
def test_targets_parse(text: str, expected: tuple) -> None:
    t = rules.parse_targets(text)
    assert (t["exposure"], t["interactions"], t["conversions"]) == expected


@pytest.mark.parametrize("text", ["曝光很多", "曝光50万/曝光1万", "点赞100", "曝光1.23456万"])
def test_bad_targets_are_refused(text: str) -> None:
    with pytest.raises(rules.TargetError):
        rules.parse_targets(text)


def test_targets_format_like_the_template() -> None:
    assert rules.format_targets(500_000, 10_000, 200) == "曝光50万/互动1万/转化200"
    assert rules.format_targets(None, 1500, None) == "互动1500"


@settings(max_examples=60)
@given(
    st.one_of(st.none(), st.integers(0, 10**10)),
    st.one_of(st.none(), st.integers(0, 10**10)),
    st.one_of(st.none(), st.integers(0, 10**10)),
)
def test_targets_round_trip(a: int | None, b: int | None, c: int | None) -> None:
    t = rules.parse_targets(rules.format_targets(a, b, c))
    assert (t["exposure"], t["interactions"], t["conversions"]) == (a, b, c)


@settings(max_examples=60)
@given(st.text(max_size=80), st.sampled_from([WECHAT, DOUYIN, WEIBO, XHS]))
def test_offsets_always_map_into_the_field(text: str, limits: rules.Limits) -> None:
    v = rules.VariantText(title=text, body=text, digest=text, tags=text, is_video=True)
    for f in rules.check_variant(limits, v):
        source = {"title": text, "body": text, "digest": text, "tags": text, "duration": ""}[
            f["field"]
        ]
        assert 0 <= f["start"] <= f["end"] <= len(source)
        assert f["term"] == source[f["start"] : f["end"]]


def test_weeks_and_monthly_days() -> None:
    assert rules.week_start(dt.date(2026, 11, 29)) == dt.date(2026, 11, 23)
    assert rules.parse_week("2026-W48") == dt.date(2026, 11, 23)
    assert rules.parse_week("nonsense") is None and rules.parse_week("2026-W99") is None
    assert rules.monthly_dates(31, dt.date(2026, 1, 15), dt.date(2026, 4, 30)) == [
        dt.date(2026, 1, 31),
        dt.date(2026, 3, 31),
    ]
    assert rules.monthly_dates(20, dt.date(2026, 12, 21), dt.date(2027, 1, 20)) == [
        dt.date(2027, 1, 20)
    ]


def test_file_kind_is_judged_by_content_not_by_name() -> None:
    assert rules.file_problem("document", "a.pdf", b"%PDF-1.7 ...") is None
    assert "不符" in (rules.file_problem("document", "a.pdf", b"<html>") or "")
    assert "只支持" in (rules.file_problem("music", "a.exe", b"MZ") or "")
    assert rules.file_problem("video", "a.mp4", b"\x00\x00\x00\x18ftypmp42") is None
    assert rules.file_problem("font", "a.ttf", b"\x00\x01\x00\x00") is None
