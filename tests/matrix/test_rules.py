"""The profile standards check (rules.py): spec examples and properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mediadesk.matrix import rules
from mediadesk.matrix.rules import DEFAULT_RULES, Limits, Profile, RuleDef, Template, check_profile

TEMPLATE = Template(brand_keyword="锦程", tone_keywords=("匠心", "品质"))
DOUYIN = Limits(name_max_len=20, bio_max_len=250, supports_live=True)


def codes(findings: list[rules.Finding]) -> set[str]:
    return {f.code for f in findings}


def good_profile(level: int = 3, **changes: object) -> Profile:
    """A profile that meets every default rule under TEMPLATE and DOUYIN."""
    values: dict[str, object] = {
        "name": "锦程曲江府-小孙",
        "level": level,
        "bio": "曲江府置业顾问，匠心好房每天讲，私信预约看房。",
        "hook": "私信预约看房",
        "has_avatar": True,
        "has_banner": True,
        "verification": "enterprise",
        "has_custodian": True,
        "has_parent": level > 1,
    }
    values.update(changes)
    return Profile(**values)  # type: ignore[arg-type]


def test_a_bio_over_the_platform_limit_is_flagged_with_both_numbers() -> None:
    findings = check_profile(good_profile(bio="好" * 251), TEMPLATE, DOUYIN, DEFAULT_RULES)
    [finding] = [f for f in findings if f.code == "bio_too_long"]
    assert finding.severity == "error"
    assert finding.field == "bio"
    assert finding.message == "简介 251 字，超过平台上限 250 字"


def test_a_level_3_name_without_the_brand_keyword_is_flagged() -> None:
    findings = check_profile(good_profile(name="西安买房小孙"), TEMPLATE, DOUYIN, DEFAULT_RULES)
    [finding] = [f for f in findings if f.code == "name_missing_brand"]
    assert finding.message == "账号名称缺少品牌关键词“锦程”"
    assert finding.field == "name"


def test_the_brand_account_itself_is_not_asked_for_the_keyword_in_its_name() -> None:
    profile = good_profile(level=1, name="官方旗舰号")
    assert "name_missing_brand" not in codes(
        check_profile(profile, TEMPLATE, DOUYIN, DEFAULT_RULES)
    )


def test_a_live_account_without_a_schedule_in_its_bio_is_flagged() -> None:
    profile = good_profile(is_live_account=True, bio="锦程好房，匠心品质，私信咨询")
    assert "live_schedule_missing" in codes(check_profile(profile, TEMPLATE, DOUYIN, DEFAULT_RULES))
    scheduled = good_profile(is_live_account=True, bio="匠心好房，周三 19:00 直播，私信咨询")
    assert "live_schedule_missing" not in codes(
        check_profile(scheduled, TEMPLATE, DOUYIN, DEFAULT_RULES)
    )


def test_findings_come_most_severe_first() -> None:
    bare = Profile(name="小孙", level=3, has_custodian=False, has_parent=False)
    severities = [f.severity for f in check_profile(bare, TEMPLATE, DOUYIN, DEFAULT_RULES)]
    order = {"error": 0, "warning": 1, "info": 2}
    assert severities == sorted(severities, key=order.__getitem__)
    assert severities[0] == "error" and "info" in severities


def test_level_error_names_the_required_parent_level() -> None:
    assert rules.level_error(3, 1) == "3级账号的上级必须是2级账号"
    assert rules.level_error(1, 1) == "一级账号不能有上级账号"
    assert rules.level_error(2, 1) is None
    assert rules.level_error(2, None) is None


profiles = st.builds(
    Profile,
    name=st.text(max_size=30),
    level=st.sampled_from([1, 2, 3]),
    bio=st.text(max_size=300),
    hook=st.text(max_size=20),
    has_avatar=st.booleans(),
    has_banner=st.booleans(),
    is_live_account=st.booleans(),
    live_schedule=st.text(max_size=10),
    verification=st.sampled_from(["enterprise", "personal", "none"]),
    has_custodian=st.booleans(),
    has_parent=st.booleans(),
)
templates = st.builds(
    Template,
    brand_keyword=st.text(max_size=4),
    tone_keywords=st.lists(st.text(min_size=1, max_size=4), max_size=3).map(tuple),
)
limits = st.builds(
    Limits,
    name_max_len=st.none() | st.integers(min_value=1, max_value=40),
    bio_max_len=st.none() | st.integers(min_value=1, max_value=300),
)
enabled_rules = st.lists(st.sampled_from(DEFAULT_RULES), unique=True)


@given(profiles, templates, limits, enabled_rules)
def test_findings_only_carry_codes_of_the_rules_given(
    profile: Profile, template: Template, lim: Limits, defs: list[RuleDef]
) -> None:
    findings = check_profile(profile, template, lim, defs)
    assert codes(findings) <= {d.code for d in defs}
    assert len(findings) == len(codes(findings))
    by_code = {d.code: d for d in defs}
    assert all(f.severity == by_code[f.code].severity for f in findings)


@given(profiles, templates, limits)
def test_bio_too_long_fires_exactly_when_the_bio_exceeds_the_limit(
    profile: Profile, template: Template, lim: Limits
) -> None:
    fired = "bio_too_long" in codes(check_profile(profile, template, lim, DEFAULT_RULES))
    expected = lim.bio_max_len is not None and rules.text_length(profile.bio) > lim.bio_max_len
    assert fired == expected


@given(
    level=st.sampled_from([1, 2, 3]),
    live=st.booleans(),
    suffix=st.text(alphabet="曲江府云境天府小孙阿杰", max_size=6),
)
def test_a_profile_meeting_every_rule_has_no_findings(level: int, live: bool, suffix: str) -> None:
    bio = "匠心品质，私信预约看房" + ("，周三 19:00 直播" if live else "")
    profile = good_profile(level=level, name=f"锦程{suffix}", bio=bio, is_live_account=live)
    assert check_profile(profile, TEMPLATE, DOUYIN, DEFAULT_RULES) == []


@given(profiles, templates, limits)
def test_disabling_every_rule_silences_the_check(
    profile: Profile, template: Template, lim: Limits
) -> None:
    assert check_profile(profile, template, lim, []) == []
