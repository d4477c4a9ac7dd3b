"""Writes of the presentation side: the analyst's template-3 text and 归因 tags, A/B tests and
competitor figures. Each checks analytics.edit in the record's scope, runs in a transaction
and writes an audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from mediadesk.analytics.models import (
    ABTest,
    ABVariant,
    Attribution,
    BenchmarkAccount,
    BenchmarkFigure,
    PostAnalysis,
)
from mediadesk.content.models import Status, Variant
from mediadesk.core import audit, scopes
from mediadesk.core.errors import ValidationError
from mediadesk.orgs.models import Project
from mediadesk.orgs.roles import Perm, perms_of

audit.register_actions(
    {
        "analytics.analysis": gettext_lazy("编辑数据分析/归因"),
        "analytics.abtest": gettext_lazy("创建A/B测试"),
        "analytics.abtest_figures": gettext_lazy("更新A/B测试数据"),
        "analytics.benchmark": gettext_lazy("添加竞品账号"),
        "analytics.benchmark_figure": gettext_lazy("录入竞品数据"),
    }
)

MAX_TAGS = 8
MAX_TAG_LEN = 20
ANALYSIS_FIELDS = ("analysis", "suggestion", "tags")


def clean_tags(tags: Sequence[str]) -> list[str]:
    """Built-in codes kept, custom tags trimmed; duplicates and blanks dropped."""
    out: list[str] = []
    for raw in tags:
        tag = str(raw).strip()
        if not tag or tag in out:
            continue
        if len(tag) > MAX_TAG_LEN:
            raise ValidationError(
                {
                    "tags": gettext("自定义归因“%(tag)s…”超过 %(n)s 个字")
                    % {"tag": tag[:10], "n": MAX_TAG_LEN}
                }
            )
        out.append(tag)
    if len(out) > MAX_TAGS:
        raise ValidationError({"tags": gettext("归因标签最多 %(n)s 个") % {"n": MAX_TAGS}})
    return out


def save_analysis(
    variant: Variant, *, by: Any, analysis: str, suggestion: str, tags: Sequence[str]
) -> PostAnalysis:
    """Set a post's 亮点/问题分析, 优化建议 and 归因 tags (template 3), audited."""
    scopes.require(
        scopes.allows(by, Perm.ANALYTICS_EDIT, variant), gettext("没有该发布的数据分析编辑权限")
    )
    scopes.require(variant.status == Status.PUBLISHED, gettext("只有已发布的内容可以分析"))
    errors = {
        n: gettext("不能超过 1000 个字")
        for n, v in (("analysis", analysis), ("suggestion", suggestion))
        if len(v) > 1000
    }
    if errors:
        raise ValidationError(errors)
    values = {
        "analysis": analysis.strip(),
        "suggestion": suggestion.strip(),
        "tags": clean_tags(tags),
    }
    with transaction.atomic():
        note, _ = PostAnalysis.objects.select_for_update().get_or_create(
            variant=variant,
            defaults={
                "organisation_id": variant.organisation_id,
                "company_id": variant.company_id,
                "project_id": variant.project_id,
            },
        )
        before = audit.snapshot(note, ANALYSIS_FIELDS)
        for name, value in values.items():
            setattr(note, name, value)
        note.updated_by = by
        note.save()
        changes = audit.diff(before, audit.snapshot(note, ANALYSIS_FIELDS))
        if changes:
            audit.record(actor=by, action="analytics.analysis", target=variant, changes=changes)
    return note


def home_scope(user: Any) -> dict[str, Any]:
    """The company/project a new org-level record of `user` belongs to: that of their
    analytics.edit grant (organisation-wide when they hold one)."""
    grants = [g for g in scopes.grants(user) if Perm.ANALYTICS_EDIT in perms_of({g.role})
              and g.organisation_id == user.organisation_id]  # fmt: skip
    if not grants or any(g.company_id is None and g.project_id is None for g in grants):
        return {}
    g = grants[0]
    company = g.company_id
    if company is None and g.project_id:
        company = (
            Project.objects.filter(pk=g.project_id).values_list("company_id", flat=True).first()
        )
    return {"company_id": company, "project_id": g.project_id}


def create_abtest(
    *, by: Any, values: dict[str, Any], arms: Sequence[tuple[str, int, int]]
) -> ABTest:
    """Create an A/B test with its arms ((content, exposures, successes), labelled A, B, …)."""
    test = ABTest(created_by=by, organisation=by.organisation, **{**home_scope(by), **values})
    scopes.require(scopes.allows(by, Perm.ANALYTICS_EDIT, test), gettext("没有该范围的A/B测试权限"))
    _check_arms(arms)
    with transaction.atomic():
        test.full_clean()
        test.save()
        ABVariant.objects.bulk_create(
            ABVariant(
                test=test, label=chr(ord("A") + i), content=c, exposures=n, successes=s, sort=i
            )
            for i, (c, n, s) in enumerate(arms)
        )
        audit.record(
            actor=by,
            action="analytics.abtest",
            target=test,
            changes={"name": [None, test.name], "arms": [None, len(arms)]},
        )
    return test


def _check_arms(arms: Sequence[tuple[str, int, int]]) -> None:
    if len(arms) < 2:
        raise ValidationError({"arms": gettext("至少需要两个测试组")})
    errors = {}
    for i, (content, exposures, successes) in enumerate(arms):
        label = chr(ord("A") + i)
        if not content.strip():
            errors[f"arms.{i}.content"] = gettext("%(arm)s 组缺少标题/封面说明") % {"arm": label}
        elif exposures < 0 or successes < 0 or successes > exposures:
            errors[f"arms.{i}.successes"] = gettext("%(arm)s 组成功数应在 0 到曝光数之间") % {
                "arm": label
            }
    if errors:
        raise ValidationError(errors)


def update_arm(arm: ABVariant, *, by: Any, exposures: int, successes: int) -> ABVariant:
    """Update one arm's figures (audited on the test)."""
    scopes.require(
        scopes.allows(by, Perm.ANALYTICS_EDIT, arm.test), gettext("没有该A/B测试的编辑权限")
    )
    _check_arms([(arm.content, exposures, successes), ("x", 0, 0)])
    with transaction.atomic():
        row = ABVariant.objects.select_for_update().get(pk=arm.pk)
        before = {"exposures": row.exposures, "successes": row.successes}
        row.exposures, row.successes = exposures, successes
        row.save(update_fields=["exposures", "successes"])
        audit.record(
            actor=by,
            action="analytics.abtest_figures",
            target=row.test,
            changes={f"{row.label}.{k}": [v, getattr(row, k)] for k, v in before.items()},
        )
    return row


def add_benchmark(*, by: Any, values: dict[str, Any]) -> BenchmarkAccount:
    """Add a competitor account (竞品)."""
    bench = BenchmarkAccount(organisation=by.organisation, **{**home_scope(by), **values})
    scopes.require(
        scopes.allows(by, Perm.ANALYTICS_EDIT, bench), gettext("没有该范围的竞品维护权限")
    )
    with transaction.atomic():
        bench.full_clean()
        bench.save()
        audit.record(
            actor=by,
            action="analytics.benchmark",
            target=bench,
            changes={"name": [None, bench.name]},
        )
    return bench


def record_benchmark_figure(
    bench: BenchmarkAccount, *, by: Any, date: dt.date, values: dict[str, int | None]
) -> BenchmarkFigure:
    """Upsert one day of a competitor's public figures."""
    scopes.require(scopes.allows(by, Perm.ANALYTICS_EDIT, bench), gettext("没有该竞品的维护权限"))
    unknown = set(values) - {"followers", "posts", "interactions"}
    if unknown:
        raise ValidationError({n: gettext("不支持的字段") for n in unknown})
    with transaction.atomic():
        row, _ = BenchmarkFigure.objects.update_or_create(
            benchmark=bench, date=date, defaults=values
        )
        audit.record(
            actor=by,
            action="analytics.benchmark_figure",
            target=bench,
            changes={"date": [None, date.isoformat()], **{k: [None, v] for k, v in values.items()}},
        )
    return row


ATTRIBUTION_CHOICES = Attribution.choices
