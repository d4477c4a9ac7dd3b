"""Precision and recall of the default lexicon over the labelled corpus (spec: both ≥ 0.97)."""

from __future__ import annotations

from mediadesk.compliance import services
from mediadesk.compliance.rules import Finding
from tests.compliance.corpus import CORPUS


def label(finding: Finding) -> str:
    """A finding as the corpus labels it: the lexicon term, or @code for a pattern rule."""
    return (
        "@" + finding.rule.removeprefix("pattern:")
        if finding.rule.startswith("pattern:")
        else finding.term
    )


def score() -> tuple[float, float, list[str]]:
    """(precision, recall, mismatches) over (sentence, label) pairs of block/warn findings."""
    tp = fp = fn = 0
    mismatches = []
    for text, labels in CORPUS:
        found = services.check_text(text, organisation=None)
        got = {label(f) for f in found if f.severity in ("block", "warn")}
        expected = set(labels)
        tp, fp, fn = tp + len(got & expected), fp + len(got - expected), fn + len(expected - got)
        if got != expected:
            mismatches.append(
                f"{text}  多报 {sorted(got - expected)}  漏报 {sorted(expected - got)}"
            )
    return tp / (tp + fp), tp / (tp + fn), mismatches


def test_the_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 300
    assert sum(1 for _, labels in CORPUS if not labels) >= 100  # traps and clean copy


def test_precision_and_recall_are_at_least_097() -> None:
    precision, recall, mismatches = score()
    print(f"\n合规语料 {len(CORPUS)} 句：precision {precision:.3f}，recall {recall:.3f}")
    print("\n".join(mismatches))
    assert precision >= 0.97
    assert recall >= 0.97
