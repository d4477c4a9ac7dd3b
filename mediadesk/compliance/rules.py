"""The compliance checker: normalisation with an offset map, lexicon matching, pattern rules.

Pure logic, no database access. `build_lexicon` compiles terms, whitelist compounds and
pattern rules once; `scan` checks one text against the compiled lexicon.

Matching runs on a *stream*: every character of the original text folded (NFKC, case
folding) with evasion characters (spaces, punctuation, symbols, zero-width and other
format characters) left out, and each stream character remembering the index of the
original character it came from. So `最 好`, `最*好` and `第\u200b一` reach the automaton as
`最好` and `第一`, and a match in the stream maps back to Python string indices of the
original text. Sentence ends (。！？ and line breaks) stay in the stream, so no match
crosses a sentence.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import ahocorasick
from django.db import models
from django.utils.translation import gettext_lazy


class Severity(models.TextChoices):
    BLOCK = "block", gettext_lazy("禁止")
    WARN = "warn", gettext_lazy("提示")
    INFO = "info", gettext_lazy("参考")


class Category(models.TextChoices):
    SUPERLATIVE = "superlative", gettext_lazy("最高级（最-系列）")
    FIRST = "first", gettext_lazy("第一/首/唯一")
    GRADE = "grade", gettext_lazy("级/极")
    ABSOLUTE = "absolute", gettext_lazy("绝对化/稀缺")
    EXCLUSIVE = "exclusive", gettext_lazy("独家/首创")
    URGENCY = "urgency", gettext_lazy("促销/紧迫/价格")
    AUTHORITY = "authority", gettext_lazy("权威/质量背书")
    REAL_ESTATE = "real_estate", gettext_lazy("房地产广告")
    MEDICAL_FINANCE = "medical_finance", gettext_lazy("医疗/金融承诺")
    SENSITIVE = "sensitive", gettext_lazy("本组织敏感词")
    COMPETITOR = "competitor", gettext_lazy("竞品名称")
    PLATFORM = "platform", gettext_lazy("平台规范")


class Industry(models.TextChoices):
    REAL_ESTATE = "real_estate", gettext_lazy("房地产")
    FINANCE = "finance", gettext_lazy("金融")
    MEDICAL = "medical", gettext_lazy("医疗健康")
    GENERAL = "general", gettext_lazy("其他行业")


SEVERITY_RANK = {Severity.BLOCK: 3, Severity.WARN: 2, Severity.INFO: 1}

# Kept in the stream so that no match crosses a sentence (compared after folding).
BOUNDARIES = frozenset("\n\r。!?")
# Meaningful symbols that belong to terms (100%) rather than to evasion.
KEPT_SYMBOLS = frozenset("%")


@dataclass(unsafe_hash=True, slots=True)  # hashable like a frozen one, built much faster
class Finding:
    """One hit: what matched, where in the original text, how bad, and what to write instead.
    Treat as immutable (not frozen only because a frozen dataclass is slow to build)."""

    term: str
    start: int
    end: int
    category: str
    severity: str
    suggestion: str
    rule: str
    snippet: str
    basis: str
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The API/CLI shape (spec keys first; snippet, message and basis added)."""
        return {
            "term": self.term,
            "start": self.start,
            "end": self.end,
            "category": str(self.category),
            "severity": str(self.severity),
            "suggestion": self.suggestion,
            "rule": self.rule,
            "snippet": self.snippet,
            "message": self.message,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class TermSpec:
    """A lexicon word as the checker needs it."""

    term: str
    category: str
    severity: str
    suggestion: str = ""
    basis: str = ""


@dataclass(frozen=True)
class PatternSpec:
    """A regular-expression rule. It runs on the normalised stream (half-width, lower case,
    no spaces or punctuation). With `absent` set the rule fires (once, at its first match)
    only when `absent` matches nowhere in the text, e.g. a presale ad with no licence number.
    `platform` limits it to that platform; `industry` skips it when another industry is named.
    `anchors` ("分钟|小时"): words every match contains; the regex then runs only near them,
    which keeps long texts fast."""

    code: str
    regex: str
    message: str
    severity: str
    category: str
    suggestion: str = ""
    basis: str = ""
    absent: str = ""
    anchors: str = ""
    platform: str = ""
    industry: str = ""


# --- normalisation ---------------------------------------------------------------------


def _is_evasion(ch: str) -> bool:
    if ch in BOUNDARIES or ch in KEPT_SYMBOLS:
        return False
    kind = unicodedata.category(ch)
    return kind[0] in "ZPSC"


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """What one original character contributes to the stream ('' for an evasion character)."""
    folded = unicodedata.normalize("NFKC", ch).casefold()
    return "".join(c for c in folded if not _is_evasion(c))


def normalise(text: str) -> str:
    """The stream form of a text or term: folded, evasion characters removed."""
    return "".join(fold_char(ch) for ch in text)


# Characters that may need work: everything but CJK ideographs, lower-case letters and
# digits, which fold to themselves and make up most of any Chinese text.
_SPECIAL = re.compile(r"[^\u4e00-\u9fffa-z0-9]")


class _Folds(dict[str, str]):
    """fold_char for the special characters, filled on first sight."""

    def __missing__(self, ch: str) -> str:
        folded = fold_char(ch)
        self[ch] = folded
        return folded


_FOLDS = _Folds()


class OffsetMap:
    """Stream position → index of the original character it came from.

    Only characters that change the length (dropped evasion characters, characters that
    fold to several) are stored as anchors; between anchors the stream copies the
    original one to one."""

    def __init__(self, positions: list[int], deltas: list[int]) -> None:
        self.positions = positions  # original index of each anchor
        self.deltas = deltas
        # Stream position where each anchor's output starts.
        shift = itertools.accumulate(deltas, initial=0)
        self.starts = [p + d for p, d in zip(positions, shift, strict=False)]

    def __getitem__(self, pos: int) -> int:
        k = bisect.bisect_right(self.starts, pos) - 1
        if k < 0:
            return pos
        width = 1 + self.deltas[k]  # stream characters the anchor produced (0 when dropped)
        if pos < self.starts[k] + width:
            return self.positions[k]
        return self.positions[k] + 1 + pos - self.starts[k] - width


def _char_class(codes: list[int]) -> re.Pattern[str]:
    """A regex character class of the given code points (ascending), written as ranges."""
    parts: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        lo, hi = re.escape(chr(codes[i])), re.escape(chr(codes[j]))
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return re.compile("[" + "".join(parts) + "]")


def _fold_classes() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Over the BMP: the characters dropped from the stream, those folded to something else
    of any non-zero length, and those folded to more than one character."""
    dropped: list[int] = []
    changed: list[int] = []
    expanded: list[int] = []
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        folded = fold_char(ch)
        if not folded:
            dropped.append(code)
        elif folded != ch:
            changed.append(code)
        if len(folded) > 1:
            expanded.append(code)
    return _char_class(dropped), _char_class(changed), _char_class(expanded)


_DROPPED, _CHANGED, _EXPANDED = _fold_classes()
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _fold_match(m: re.Match[str]) -> str:
    return _FOLDS[m.group()]


def _slow_stream(text: str) -> tuple[str, OffsetMap]:
    """Character by character (texts with characters beyond the BMP, e.g. emoji)."""
    positions: list[int] = []
    deltas: list[int] = []

    def fold(m: re.Match[str]) -> str:
        folded = _FOLDS[m.group()]
        if len(folded) != 1:  # dropped or expanded: the stream shifts here
            positions.append(m.start())
            deltas.append(len(folded) - 1)
        return folded

    stream = _SPECIAL.sub(fold, text)
    return stream, OffsetMap(positions, deltas)


def stream_of(text: str) -> tuple[str, OffsetMap]:
    """The normalised stream and the map from stream positions back to original indices.

    Evasion characters are dropped in one C-level pass; only characters that fold to
    something else (capitals, full width, ㎡) and those that shift positions are visited in
    Python."""
    if _ASTRAL.search(text):
        return _slow_stream(text)
    pieces = _DROPPED.split(text)
    # the k-th dropped character sits after k earlier ones and the text of pieces[:k+1]
    dropped = list(
        map(operator.add, itertools.accumulate(map(len, pieces[:-1])), itertools.count())
    )
    stream = _CHANGED.sub(_fold_match, "".join(pieces))
    expanded = [(m.start(), len(_FOLDS[m.group()]) - 1) for m in _EXPANDED.finditer(text)]
    if not expanded:
        return stream, OffsetMap(dropped, [-1] * len(dropped))
    shifts = sorted([(p, -1) for p in dropped] + expanded)
    return stream, OffsetMap([p for p, _ in shifts], [d for _, d in shifts])


# --- compiled lexicon --------------------------------------------------------------------

_TERM, _ALLOW, _ANCHOR = 0, 1, 2  # _ANCHOR: a key that is only a pattern rule's anchor


@dataclass
class _Pattern:
    spec: PatternSpec
    regex: re.Pattern[str]
    absent: re.Pattern[str] | None
    anchors: re.Pattern[str] | None


@dataclass
class Lexicon:
    """A compiled lexicon: one automaton over terms and whitelist compounds, plus patterns."""

    automaton: Any
    terms: list[TermSpec]
    messages: list[str] = field(default_factory=list)
    patterns: list[_Pattern] = field(default_factory=list)
    size: int = 0


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _better(a: TermSpec, b: TermSpec) -> bool:
    return SEVERITY_RANK.get(a.severity, 0) > SEVERITY_RANK.get(b.severity, 0)  # type: ignore[call-overload]


def compile_pattern(regex: str) -> re.Pattern[str]:
    """A rule's regular expression, compiled; raises re.error when it is invalid."""
    return re.compile(regex)


def _edges(key: str) -> tuple[bool, bool]:
    """Whether the key starts / ends with a Latin letter or digit (then it needs a word edge)."""
    return _is_word_char(key[0]), _is_word_char(key[-1])


def _anchor_words(anchors: str) -> list[str]:
    return sorted({normalise(a) for a in anchors.split("|")} - {""}, key=len, reverse=True)


def _anchor_regex(anchors: str) -> re.Pattern[str] | None:
    words = _anchor_words(anchors)
    return re.compile("|".join(map(re.escape, words))) if words else None


# How far from an anchor a pattern match may reach.
ANCHOR_WINDOW = 40


def _windows(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merged stream ranges around every anchor occurrence (spans in stream order)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        lo, hi = max(0, start - ANCHOR_WINDOW), end + ANCHOR_WINDOW
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return out


def _matches(
    p: _Pattern, stream: str, anchored: list[tuple[int, int]] | None
) -> list[re.Match[str]]:
    """The rule's matches; an anchored rule runs only near its anchors (`anchored`: the
    anchors' stream spans the automaton found, in order; None for a rule without anchors)."""
    if p.absent is not None:
        if p.absent.search(stream):
            return []
        first = p.regex.search(stream)
        return [first] if first else []
    if anchored is None:
        return list(p.regex.finditer(stream))
    out: list[re.Match[str]] = []
    last_end = -1
    for lo, hi in _windows(anchored):
        for m in p.regex.finditer(stream, max(lo, last_end), hi):
            out.append(m)
            last_end = m.end()
    return out


def build_lexicon(
    terms: Iterable[TermSpec], whitelist: Iterable[str], patterns: Iterable[PatternSpec] = ()
) -> Lexicon:
    """Compile terms, whitelist compounds and pattern rules into a reusable Lexicon."""
    automaton = ahocorasick.Automaton()
    kept: dict[str, TermSpec] = {}
    for spec in terms:
        key = normalise(spec.term)
        # Two terms may normalise to the same key (NO.1 / no1); the more severe wins.
        if key and (key not in kept or _better(spec, kept[key])):
            kept[key] = spec
    term_list = list(kept.values())
    for i, key in enumerate(kept):
        automaton.add_word(key, (len(key), _TERM, i, _edges(key), ()))
    for phrase in whitelist:
        key = normalise(phrase)
        if key:  # an equal whitelist key replaces the term: the whitelist wins
            automaton.add_word(key, (len(key), _ALLOW, -1, _edges(key), ()))
    compiled = [
        _Pattern(
            p,
            compile_pattern(p.regex),
            compile_pattern(p.absent) if p.absent else None,
            _anchor_regex(p.anchors),
        )
        for p in patterns
    ]
    size = len(automaton)
    # Anchor words ride along in the same automaton: one scan finds terms, compounds and the
    # places where pattern rules can match (the value's last field: the rules anchored there).
    for i, p in enumerate(compiled):
        if p.anchors is None or p.absent is not None:
            continue
        for word in _anchor_words(p.spec.anchors):
            length, kind, idx, edges, rules_here = automaton.get(
                word, (len(word), _ANCHOR, -1, (False, False), ())
            )
            automaton.add_word(word, (length, kind, idx, edges, (*rules_here, i)))
    if len(automaton):
        automaton.make_automaton()
    messages = [_message_for(spec) for spec in term_list]
    return Lexicon(automaton, term_list, messages, compiled, size)


# --- matching ----------------------------------------------------------------------------


def _word_edge(text: str, i: int) -> bool:
    """Whether original character i folds to a Latin letter or digit (end of a word)."""
    if i < 0 or i >= len(text):
        return False
    folded = fold_char(text[i])
    return bool(folded) and _is_word_char(folded[0])


Anchors = dict[int, list[tuple[int, int]]]  # pattern rule index → its anchors' stream spans


def _hits(
    lexicon: Lexicon, text: str, stream: str, index: OffsetMap, anchors: Anchors
) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]]]:
    """Term hits (start, end, term index) and whitelist spans in stream positions; the spans
    of pattern anchors are added to `anchors`."""
    terms: list[tuple[int, int, int]] = []
    allowed: list[tuple[int, int]] = []
    if not len(lexicon.automaton):
        return terms, allowed
    for last, (length, kind, idx, edges, rules_here) in lexicon.automaton.iter(stream):
        start, end = last - length + 1, last + 1
        for i in rules_here:
            anchors.setdefault(i, []).append((start, end))
        if kind == _ANCHOR:
            continue
        latin_start, latin_end = edges
        # Latin/digit terms (no1, top1, 5a, 100%) must not sit inside a longer word or
        # number of the original text (evasion characters in the text separate words).
        if latin_start and _word_edge(text, index[start] - 1):
            continue
        if latin_end and _word_edge(text, index[last] + 1):
            continue
        if kind == _ALLOW:
            allowed.append((start, end))
        else:
            terms.append((start, end, idx))
    return terms, allowed


def _not_allowed(
    hits: list[tuple[int, int, int]], allowed: list[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """Whole compounds first: a term inside a whitelist compound, or cutting across one,
    is suppressed; a longer term that contains a whole compound (最后一波 ⊃ 最后) stays."""
    if not allowed:
        return hits
    allowed.sort()
    starts = [a for a, _ in allowed]
    reach = max(b - a for a, b in allowed)
    kept = []
    for start, end, idx in hits:
        k = bisect.bisect_left(starts, start - reach + 1)
        blocked = False
        while k < len(allowed) and allowed[k][0] < end:
            a, b = allowed[k]
            if start < b and not (start <= a and b <= end):
                blocked = True
                break
            k += 1
        if not blocked:
            kept.append((start, end, idx))
    return kept


def _longest(hits: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Non-overlapping hits, the longest winning (then the leftmost)."""
    chosen: list[tuple[int, int, int]] = []
    if not hits:
        return chosen
    taken = bytearray(max(end for _s, end, _i in hits))
    for start, end, idx in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        if any(taken[start:end]):
            continue
        taken[start:end] = b"\x01" * (end - start)
        chosen.append((start, end, idx))
    return chosen


def _message_for(spec: TermSpec) -> str:
    label = Category(spec.category).label if spec.category in Category.values else spec.category
    return f"“{spec.term}”属于{label}用语"


def _term_findings(
    lexicon: Lexicon, text: str, stream: str, index: OffsetMap, anchors: Anchors
) -> list[Finding]:
    hits, allowed = _hits(lexicon, text, stream, index, anchors)
    out = []
    for s, e, idx in _longest(_not_allowed(hits, allowed)):
        spec = lexicon.terms[idx]
        start, end = index[s], index[e - 1] + 1
        out.append(
            Finding(
                term=spec.term,
                start=start,
                end=end,
                category=spec.category,
                severity=spec.severity,
                suggestion=spec.suggestion,
                rule=f"term:{spec.term}",
                snippet=text[start:end],
                basis=spec.basis,
                message=lexicon.messages[idx],
            )
        )
    return out


def _applies(spec: PatternSpec, platform: str | None, industry: str | None) -> bool:
    if spec.platform and spec.platform != platform:
        return False
    return not (spec.industry and industry and spec.industry != industry)


def _pattern_finding(p: _Pattern, text: str, index: OffsetMap, s: int, e: int) -> Finding:
    start, end = index[s], index[e - 1] + 1
    return Finding(
        term=text[start:end],
        start=start,
        end=end,
        category=p.spec.category,
        severity=p.spec.severity,
        suggestion=p.spec.suggestion,
        rule=f"pattern:{p.spec.code}",
        snippet=text[start:end],
        basis=p.spec.basis,
        message=p.spec.message,
    )


def _pattern_findings(
    lexicon: Lexicon,
    text: str,
    stream: str,
    index: OffsetMap,
    platform: str | None,
    industry: str | None,
    anchors: Anchors,
) -> list[Finding]:
    out: list[Finding] = []
    for i, p in enumerate(lexicon.patterns):
        if not _applies(p.spec, platform, industry):
            continue
        anchored = None
        if p.anchors is not None and p.absent is None:
            anchored = anchors.get(i)
            if anchored is None:
                continue  # no anchor in the text: the rule cannot match
        out.extend(
            _pattern_finding(p, text, index, m.start(), m.end())
            for m in _matches(p, stream, anchored)
            if m.end() > m.start()
        )
    return out


def _said_by_term(pattern: Finding, terms: Sequence[Finding], starts: list[int]) -> bool:
    """A pattern hit overlapping a term hit of the same category adds nothing (解决户口).
    `terms` are sorted by start and do not overlap, so only neighbours can overlap."""
    i = bisect.bisect_left(starts, pattern.end)
    while i > 0 and terms[i - 1].end > pattern.start:
        i -= 1
        if terms[i].category == pattern.category and terms[i].start < pattern.end:
            return True
    return False


def title_finding(text: str, title_max_len: int, platform_name: str) -> Finding | None:
    """The first line, read as the title, when it is longer than the platform allows."""
    line = text.split("\n", 1)[0]
    title = line.strip()
    if len(title) <= title_max_len:
        return None
    start = line.index(title[0])
    end = start + len(title)
    return Finding(
        term=title,
        start=start,
        end=end,
        category=Category.PLATFORM,
        severity=Severity.WARN,
        suggestion=f"标题缩短到 {title_max_len} 字以内",
        rule="pattern:title-length",
        snippet=text[start:end],
        basis=f"{platform_name}标题上限 {title_max_len} 字",
        message=f"标题 {len(title)} 字，超过{platform_name}上限 {title_max_len} 字",
    )


def scan(
    lexicon: Lexicon,
    text: str,
    *,
    platform: str | None = None,
    industry: str | None = None,
    title_limit: tuple[int, str] | None = None,
) -> list[Finding]:
    """Every finding in `text`, sorted by start. `title_limit` is (max length, platform name)."""
    stream, index = stream_of(text)
    anchors: Anchors = {}
    findings = sorted(_term_findings(lexicon, text, stream, index, anchors), key=lambda f: f.start)
    starts = [f.start for f in findings]
    patterns = _pattern_findings(lexicon, text, stream, index, platform, industry, anchors)
    findings += [p for p in patterns if not _said_by_term(p, findings, starts)]
    if title_limit is not None:
        title = title_finding(text, *title_limit)
        if title is not None:
            findings.append(title)
    findings.sort(key=lambda f: (f.start, -f.end, f.rule))
    return findings


def has_block(findings: Iterable[Finding]) -> bool:
    """True when any finding has block severity."""
    return any(f.severity == Severity.BLOCK for f in findings)
