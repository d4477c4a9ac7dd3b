"""The shared `sort` field: an unknown value is refused in the reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation
from pydantic import ValidationError

from mediadesk.core.filters import FilterSet, sort_field


class Listing(FilterSet):
    SORTS = {"name": ("name",), "-name": ("-name",)}
    DEFAULT_SORT = "name"
    sort: str | None = sort_field(SORTS)


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "排序取值无效，可选：name, -name"), ("en", "Unknown sort value; choose from: name, -name")],
)  # fmt: skip
def test_an_unknown_sort_is_refused_naming_the_choices(language: str, message: str) -> None:
    with translation.override(language), pytest.raises(ValidationError) as caught:
        Listing.model_validate({"sort": "price"})
    assert message in str(caught.value)
    assert Listing.model_validate({"sort": "-name"}).sort == "-name"
    assert Listing.from_query({"sort": "price"}).sort is None  # a page ignores it
