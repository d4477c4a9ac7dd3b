"""The checker's pure logic: normalisation, offsets, whitelist, longest match, patterns."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mediadesk.compliance import defaults, rules
from mediadesk.compliance.rules import PatternSpec

LEX = rules.build_lexicon(defaults.default_terms(), defaults.WHITELIST, defaults.PATTERNS)


def terms_in(text: str) -> list[tuple[str, str]]:
    return [(f.term, text[f.start : f.end]) for f in rules.scan(LEX, text)]


def test_spaced_superlative_is_found_with_offsets_on_the_original_characters() -> None:
    text = "给你最 好的家"
    [finding] = rules.scan(LEX, text)
    assert (finding.term, finding.start, finding.end) == ("最好", 2, 5)
    assert text[finding.start : finding.end] == "最 好" == finding.snippet
    assert finding.severity == "block" and finding.category == "superlative"


def test_symbol_and_zero_width_evasions_are_found() -> None:
    assert terms_in("最*好") == [("最好", "最*好")]
    assert terms_in("第\u200b一品牌") == [("第一品牌", "第\u200b一品牌")]
    assert terms_in("ＮＯ．１") == [("NO.1", "ＮＯ．１")]


def test_whitelisted_compounds_are_not_flagged() -> None:
    for text in ("首付三成", "第一次置业", "第一时间通知", "最近", "最终解释权", "首页", "首套房"):
        assert rules.scan(LEX, text) == [], text


def test_a_longer_term_containing_a_whitelisted_compound_is_flagged() -> None:
    assert terms_in("最后一波") == [("最后一波", "最后一波")]
    assert terms_in("零首付") == [("零首付", "零首付")]


def test_the_longest_term_wins_where_terms_overlap() -> None:
    assert terms_in("全网最低价") == [("全网最低价", "全网最低价")]
    assert terms_in("世界领先") == [("世界领先", "世界领先")]


def test_latin_terms_need_word_boundaries() -> None:
    assert terms_in("top 10 楼盘") == []
    assert terms_in("1100%") == []
    assert terms_in("Top 1 人气") == [("TOP1", "Top 1")]


def test_soft_words_warn_and_hard_words_block() -> None:
    severities = {f.term: f.severity for f in rules.scan(LEX, "金牌物业，优秀团队，顶级园林")}
    assert severities == {"金牌": "warn", "优秀": "warn", "顶级": "block"}


def test_travel_time_price_and_promises_are_detected() -> None:
    text = "步行5分钟到达地铁站，均价12800元/㎡起，买房即可落户，房价年增长10%。"
    rules_hit = {f.rule for f in rules.scan(LEX, text)}
    assert {
        "pattern:travel-time",
        "pattern:price-from",
        "pattern:school-hukou",
        "pattern:appreciation",
    } <= rules_hit


def test_presale_ad_without_licence_number_is_flagged_once() -> None:
    flagged = rules.scan(LEX, "8号楼今日开盘，火爆认购中")
    assert [f.rule for f in flagged] == ["pattern:presale-licence"]
    assert flagged[0].snippet == "开盘"
    assert rules.scan(LEX, "8号楼今日开盘，预售许可证号：西安市房预售字第2024186号") == []


def test_industry_scope_skips_real_estate_rules_for_another_industry() -> None:
    text = "10分钟直达机场"
    assert rules.scan(LEX, text, industry="real_estate")
    assert rules.scan(LEX, text)
    assert rules.scan(LEX, text, industry="general") == []


def test_title_length_uses_the_first_line() -> None:
    text = "一" * 21 + "\n正文"
    [finding] = rules.scan(LEX, text, title_limit=(20, "小红书"))
    assert (finding.rule, finding.start, finding.end, finding.severity) == (
        "pattern:title-length",
        0,
        21,
        "warn",
    )
    assert rules.scan(LEX, "一" * 20 + "\n正文", title_limit=(20, "小红书")) == []


def test_a_pattern_limited_to_a_platform_runs_only_there() -> None:
    lex = rules.build_lexicon(
        [],
        [],
        [PatternSpec("dy", r"微信", "抖音不要引导到微信", "warn", "platform", platform="douyin")],
    )
    assert rules.scan(lex, "加微信") == []
    assert [f.rule for f in rules.scan(lex, "加微信", platform="douyin")] == ["pattern:dy"]


def test_as_dict_has_the_api_shape() -> None:
    [finding] = rules.scan(LEX, "最好")
    data = finding.as_dict()
    assert {"term", "start", "end", "category", "severity", "suggestion", "rule"} <= set(data)
    assert data["category"] == "superlative" and type(data["category"]) is str


# --- properties ---------------------------------------------------------------------------

EVASION = st.sampled_from(
    [" ", "\u3000", "\u200b", "\u200c", "\ufeff", "*", "-", "_", "·", "、", "~", "/", "|", "#"]
)
BLOCK_TERMS = sorted(
    t.term for t in defaults.default_terms() if t.severity == "block" and not t.term.isascii()
)
FILLER = st.text(
    alphabet="的了是在我们家房子湖景园林生活城市西安品质三居室，。 abc123", max_size=30
)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_offsets_always_map_into_the_original_text(text: str) -> None:
    for f in rules.scan(LEX, text, title_limit=(10, "x")):
        assert 0 <= f.start < f.end <= len(text)
        assert f.snippet == text[f.start : f.end]


@settings(max_examples=200, deadline=None)
@given(FILLER, st.sampled_from(BLOCK_TERMS), FILLER)
def test_a_found_term_normalises_to_itself(before: str, term: str, after: str) -> None:
    text = before + term + after
    for f in rules.scan(LEX, text):
        if f.rule.startswith("term:"):
            assert rules.normalise(text[f.start : f.end]) == rules.normalise(f.term)


@settings(max_examples=300, deadline=None)
@given(FILLER, st.sampled_from(BLOCK_TERMS), st.data(), FILLER)
def test_evasion_characters_inside_a_term_never_hide_it(
    before: str, term: str, data: st.DataObject, after: str
) -> None:
    evaded = term[0] + "".join(
        "".join(data.draw(st.lists(EVASION, max_size=3))) + ch for ch in term[1:]
    )
    plain = rules.scan(LEX, before + term + after)
    hidden = rules.scan(LEX, before + evaded + after)
    assert [(f.rule, f.severity) for f in hidden] == [(f.rule, f.severity) for f in plain]
    assert any(f.term == term for f in plain) == any(f.term == term for f in hidden)


@settings(max_examples=200, deadline=None)
@given(FILLER, st.sampled_from(defaults.WHITELIST), FILLER)
def test_whitelisted_compounds_never_produce_findings(before: str, phrase: str, after: str) -> None:
    text = before + "。" + phrase + "。" + after
    lo, hi = len(before) + 1, len(before) + 1 + len(phrase)
    for f in rules.scan(LEX, text):
        assert f.end <= lo or f.start >= hi, (phrase, f)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30))
def test_full_width_text_normalises_like_half_width(text: str) -> None:
    full = "".join(chr(ord(c) + 0xFEE0) for c in text)
    assert rules.normalise(full) == rules.normalise(text)
