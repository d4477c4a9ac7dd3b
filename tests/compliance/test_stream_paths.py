"""The fast normalisation (C-level passes over the BMP) equals the character-by-character one,
offsets included, and anchored pattern rules find what a whole-stream pass finds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mediadesk.compliance import rules
from mediadesk.compliance.defaults import PATTERNS

TEXT = st.text(
    alphabet=st.one_of(
        st.characters(max_codepoint=0x3100),
        st.sampled_from("最好第一首付　 ㎡ＡＢ１２，。！?-_\u200b\ufeff分钟小时起落户学位"),
    ),
    max_size=60,
)


@given(TEXT)
def test_fast_stream_equals_the_character_by_character_fold(text: str) -> None:
    fast, fast_map = rules.stream_of(text)
    slow, slow_map = rules._slow_stream(text)
    assert fast == slow
    assert [fast_map[i] for i in range(len(fast))] == [slow_map[i] for i in range(len(slow))]


@given(st.lists(st.sampled_from(["地铁", "10分钟", "到", "单价", "1.2万元/㎡起", "，", "学位",
                                 "保障", "年化", "收益8%", "落户", "今天", "。", "项目"]),
                max_size=20))  # fmt: skip
def test_anchored_rules_match_as_a_whole_stream_pass(words: list[str]) -> None:
    text = "".join(words)
    lexicon = rules.build_lexicon([], [], PATTERNS)
    stream, index = rules.stream_of(text)
    anchors: rules.Anchors = {}
    rules._hits(lexicon, text, stream, index, anchors)
    found = rules._pattern_findings(lexicon, text, stream, index, None, None, anchors)
    whole = [
        (p.spec.code, m.start(), m.end())
        for p in lexicon.patterns
        for m in rules._matches(p, stream, None)
        if m.end() > m.start()
    ]
    assert sorted((f.rule.removeprefix("pattern:"), f.start, f.end) for f in found) == sorted(
        (code, index[s], index[e - 1] + 1) for code, s, e in whole
    )
