"""Sentiment: spec examples, negation and degree, the domain lexicon, the shipped evaluation
set (its size; the figures are printed by `make bench`), corrections."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediadesk.engagement import evaluation, queries, sentiment, services
from mediadesk.engagement.models import Correction
from tests.engagement.conftest import Desk

ENGINE = sentiment.default_engine()


def test_spec_examples() -> None:
    bad = ENGINE.analyse("这楼盘烂尾了吧，业主都在维权")
    assert bad.polarity == "negative" and bad.words[:2] == ["烂尾", "维权"]
    assert ENGINE.analyse("环境很好，交通方便").polarity == "positive"
    assert ENGINE.analyse("不是不好").polarity != "negative"


@pytest.mark.parametrize(("text", "polarity"), [
    ("很满意", "positive"), ("不满意", "negative"), ("一点都不满意", "negative"),
    ("非常满意", "positive"), ("这不是骗人吗", "negative"), ("请问什么时候交房", "neutral"),
    ("多少钱一平？电话13912345678", "neutral"), ("投诉打12345", "negative"),
    ("环境不错，但是太贵了", "negative"), ("虽然贵了点，不过品质确实好", "positive"),
    ("不但环境好而且交通方便", "positive"),
])  # fmt: skip
def test_negation_degree_questions(text: str, polarity: str) -> None:
    assert ENGINE.analyse(text).polarity == polarity


def test_degree_words_strengthen() -> None:
    assert ENGINE.analyse("非常满意").score > ENGINE.analyse("满意").score > 0


def test_the_shipped_set_has_at_least_300_rows_across_all_labels() -> None:
    rows = evaluation.labelled()
    assert len(rows) >= 300
    assert {label for _t, label in rows} == {"negative", "neutral", "positive"}
    assert len(evaluation.holdout()) == 60


def test_evaluation_counts_precision_and_recall() -> None:
    rows = [("烂尾", "negative"), ("很好", "negative"), ("你好吗", "neutral")]
    scores = evaluation.evaluate(ENGINE, rows)
    assert scores.per_class["negative"][0] == 1.0 and scores.per_class["negative"][1] == 0.5
    assert len(scores.misses) == 1


@pytest.mark.django_db
def test_organisation_lexicon_weights_apply(desk: Desk, world: Any) -> None:
    assert desk.ingest("这楼盘有点捂价").polarity == "neutral"
    services.save_term(world.org, word="捂价", weight=-3, category="价格纠纷", by=world.manager)
    m = desk.ingest("这楼盘有点捂价")
    assert m.polarity == "negative" and m.negative_types == ["价格纠纷"]


@pytest.mark.django_db
def test_corrections_are_kept_and_measured(desk: Desk, world: Any) -> None:
    m = desk.ingest("收到，谢谢")
    services.correct(m, polarity="neutral", by=desk.service)
    other = desk.ingest("这楼盘烂尾了")
    services.correct(other, polarity="negative", by=desk.service)
    m.refresh_from_db()
    assert m.effective_polarity == "neutral" and m.polarity == "positive"
    assert Correction.objects.count() == 2
    assert queries.correction_agreement(world.org.pk) == {"corrections": 2, "changed": 1, "agreement": 50.0}  # fmt: skip


@given(st.text(max_size=300))
def test_any_text_gives_a_bounded_result(text: str) -> None:
    result = ENGINE.analyse(text)
    assert result.polarity in ("positive", "neutral", "negative")
    assert -1 <= result.score <= 1
    assert all(w in text for w in result.words)
