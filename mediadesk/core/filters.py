"""One declarative filter definition per list, shared by its page, its export and its API.

A `FilterSet` is a query-string schema (so django-ninja documents and validates it for the
API) that also knows how to narrow and sort a queryset. Each field is applied either through
the class's `LOOKUPS` (field name → ORM lookup) or through a method `filter_<field>(qs, value)`;
`SORTS` maps the `sort` values to `order_by` columns.

    class ItemFilters(FilterSet):
        LOOKUPS = {"status": "status", "series": "series_id"}
        SORTS = {"planned": ("planned_at", "id"), "-planned": ("-planned_at", "-id")}
        status: Status | None = Field(None, description="状态")
        series: Id | None = None
        sort: str | None = sort_field(SORTS)

    ItemFilters.from_query(request.GET).sorted(qs)   # page: odd values are ignored
    def api_list(request, filters: Query[ItemFilters], page: Query[PageIn]): ...  # API: 422
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field
from pydantic import ValidationError, field_validator

from mediadesk.core.schemas import QueryIn


def sort_field(sorts: Mapping[str, Any], *, default: str | None = None) -> Any:
    """The `sort` field of a filter set, documenting its values."""
    keys = ", ".join(sorts)
    return Field(
        default,
        description=gettext("排序（前缀 - 为倒序）：%(keys)s") % {"keys": keys},
        json_schema_extra={"enum": [*sorts]},
        examples=[next(iter(sorts))] if sorts else None,
    )


class FilterSet(QueryIn):
    """Filters and sorting of one list (see the module docstring)."""

    LOOKUPS: ClassVar[Mapping[str, str]] = {}
    SORTS: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    DEFAULT_SORT: ClassVar[str] = ""
    # Fields that only steer the page (not filters); apply() skips them.
    PASSIVE: ClassVar[frozenset[str]] = frozenset({"sort"})

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for name in cls.model_fields:
            if name in cls.PASSIVE or name in cls.LOOKUPS or hasattr(cls, f"filter_{name}"):
                continue
            raise TypeError(f"{cls.__name__}.{name}: no lookup and no filter_{name} method")
        if cls.SORTS and cls.DEFAULT_SORT not in cls.SORTS:
            raise TypeError(f"{cls.__name__}.DEFAULT_SORT must be one of SORTS")

    @field_validator("sort", mode="after", check_fields=False)
    @classmethod
    def _known_sort(cls, value: Any) -> Any:
        if value is not None and value not in cls.SORTS:
            raise ValueError(
                gettext("排序取值无效，可选：%(keys)s") % {"keys": ", ".join(cls.SORTS)}
            )
        return value

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> Self:
        """The filters of a page's query string; a value that does not parse is ignored
        (a page shows everything rather than an error for a hand-edited address)."""
        keys = [field.alias or name for name, field in cls.model_fields.items()]
        data = {k: params.get(k) for k in keys if params.get(k) not in (None, "")}
        while True:
            try:
                return cls.model_validate(data)
            except ValidationError as exc:
                bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")} & data.keys()
                if not bad:
                    return cls()
                for key in bad:
                    data.pop(key)

    def given(self) -> dict[str, Any]:
        """The filters that were given (not None), as parsed values."""
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if getattr(self, name) is not None
        }

    def apply[M: Model](self, qs: QuerySet[M]) -> QuerySet[M]:
        """Narrow `qs` by every given filter."""
        for name, value in self.given().items():
            if name in self.PASSIVE:
                continue
            method = getattr(self, f"filter_{name}", None)
            if method is not None:
                qs = method(qs, value)
            else:
                qs = qs.filter(**{self.LOOKUPS[name]: value})
        return qs

    def ordering(self) -> tuple[str, ...]:
        key = getattr(self, "sort", None) or self.DEFAULT_SORT
        return self.SORTS.get(key, ("-pk",))

    def sorted[M: Model](self, qs: QuerySet[M]) -> QuerySet[M]:
        """Filtered and in the list's order (the order pages and the API page through)."""
        return self.apply(qs).order_by(*self.ordering())

    def is_filtered(self) -> bool:
        return any(name not in self.PASSIVE for name in self.given())


# --- small building blocks for filter methods ---------------------------------------------------


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of `day` (aware)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def day_end(day: dt.date) -> dt.datetime:
    """Local midnight after `day` (aware; use with `__lt`)."""
    return day_start(day + dt.timedelta(days=1))


def since(column: str, day: dt.date) -> Q:
    return Q(**{f"{column}__gte": day_start(day)})


def until(column: str, day: dt.date) -> Q:
    return Q(**{f"{column}__lt": day_end(day)})
