"""The shipped labelled evaluation set (real-estate comments and messages written for
MediaDesk) and the figures `make bench` prints: accuracy and per-class precision, recall, F1."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from mediadesk.engagement.sentiment import Engine

LABELS = ("negative", "neutral", "positive")


def labelled() -> list[tuple[str, str]]:
    """(text, label) rows: one file per label under engagement/data/."""
    base = resources.files("mediadesk.engagement") / "data"
    rows = []
    for label in LABELS:
        text = (base / f"eval_{label}.txt").read_text(encoding="utf-8")
        rows += [(line.strip(), label) for line in text.splitlines() if line.strip()]
    return rows


def holdout() -> list[tuple[str, str]]:
    """60 rows written after the domain lexicon was tuned on the main set and never used to
    tune it: the figure that says how the engine does on text it has not seen."""
    text = (resources.files("mediadesk.engagement") / "data" / "holdout.tsv").read_text(encoding="utf-8")  # fmt: skip
    return [(t.strip(), label) for label, t in (line.split("\t", 1) for line in text.splitlines() if "\t" in line)]  # fmt: skip


@dataclass(frozen=True)
class Scores:
    accuracy: float
    per_class: dict[str, tuple[float, float, float]]  # label -> (precision, recall, f1)
    misses: list[tuple[str, str, str]]  # text, expected, got

    @property
    def negative_f1(self) -> float:
        return self.per_class["negative"][2]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(engine: Engine, rows: list[tuple[str, str]] | None = None) -> Scores:
    """Score `engine` on the labelled rows (the shipped set by default)."""
    rows = rows if rows is not None else labelled()
    got = [(text, label, engine.analyse(text).polarity) for text, label in rows]
    per_class = {}
    for label in LABELS:
        tp = sum(1 for _t, e, g in got if e == label and g == label)
        fp = sum(1 for _t, e, g in got if e != label and g == label)
        fn = sum(1 for _t, e, g in got if e == label and g != label)
        per_class[label] = _prf(tp, fp, fn)
    correct = sum(1 for _t, e, g in got if e == g)
    return Scores(correct / len(got), per_class, [(t, e, g) for t, e, g in got if e != g])
