"""All findings of an item: Advertising-Law hits, platform limits and asset licences.

The review app calls `item_findings` when an item is submitted and stores the result on
the revision; the item page shows the same list. Every finding has the compliance shape
(term/start/end/category/severity/suggestion/rule, plus message) and says where it is:
"variant" (id or None for the item itself) and "field".
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.content import queries, rules
from mediadesk.content.models import Asset, ContentItem, Variant
from mediadesk.orgs.models import Project

CHECKED_FIELDS = ("title", "body", "digest", "tags")
# rules.py checks each field's own limit; the checker's first-line title rule would
# misread a body's first line as a title.
SKIPPED_RULES = frozenset({"pattern:title-length"})
ESTATE = "real_estate"


def industry_of(item: ContentItem) -> str | None:
    """ "real_estate" when the item belongs to an estate project (the real-estate ad rules apply)."""
    project = item.project
    return ESTATE if project is not None and project.kind == Project.Kind.ESTATE else None


def limits_of(variant: Variant) -> rules.Limits:
    p = variant.platform
    return rules.Limits(p.code, p.name, p.title_max_len, p.body_max_len)


def text_of(variant: Variant, is_video: bool) -> rules.VariantText:
    return rules.VariantText(
        title=variant.title, body=variant.body, digest=variant.digest, tags=variant.tags,
        duration_seconds=variant.duration_seconds, is_video=is_video,
    )  # fmt: skip


def _compliance(item: ContentItem, variant: Variant, industry: str | None) -> list[dict[str, Any]]:
    from mediadesk.compliance.services import check_text

    out: list[dict[str, Any]] = []
    for field in CHECKED_FIELDS:
        text = getattr(variant, field)
        if not text.strip():
            continue
        for found in check_text(
            text, organisation=item.organisation_id, platform=variant.platform.code,
            industry=industry,
        ):  # fmt: skip
            data = found.as_dict()
            if data["rule"] not in SKIPPED_RULES:
                out.append({**data, "variant": variant.pk, "field": field})
    return out


def variant_findings(
    item: ContentItem, variant: Variant, industry: str | None = None
) -> list[dict[str, Any]]:
    """Compliance and platform-limit findings of one variant."""
    is_video = item.form == "short_video"
    out = _compliance(item, variant, industry)
    out += [
        {**f, "variant": variant.pk, "snippet": f["term"], "basis": ""}
        for f in rules.check_variant(limits_of(variant), text_of(variant, is_video))
    ]
    return out


def asset_finding(asset: Asset, problem: str, *, variant: int | None, field: str) -> dict[str, Any]:
    expired = asset.licence_type != Asset.Licence.NONE and asset.licence_expires_on is not None
    message = (
        _("%(problem)s（到期 %(day)s）：%(asset)s")
        % {"problem": problem, "day": f"{asset.licence_expires_on:%Y-%m-%d}", "asset": asset.title}
        if expired
        else _("%(problem)s：%(asset)s") % {"problem": problem, "asset": asset.title}
    )
    return {
        "term": asset.title, "start": 0, "end": 0, "category": "asset_licence",
        "severity": "block", "suggestion": _("补充授权信息（来源、授权类型、有效期）或更换素材"),
        "rule": "asset.licence", "snippet": asset.title, "basis": _("字体、音乐、图片须取得授权"),
        "message": message, "variant": variant, "field": field,
        "asset": asset.pk,
    }  # fmt: skip


def asset_findings(item: ContentItem, variants: list[Variant]) -> list[dict[str, Any]]:
    """A `block` finding for each used asset without a licence or with an expired one."""
    today = timezone.localdate()
    out = []
    for asset in item.assets.all():
        if problem := queries.licence_problem(asset, today):
            out.append(asset_finding(asset, problem, variant=None, field="assets"))
    for variant in variants:
        if variant.cover is not None and (problem := queries.licence_problem(variant.cover, today)):
            out.append(asset_finding(variant.cover, problem, variant=variant.pk, field="cover"))
    return out


def item_findings(item: ContentItem) -> list[dict[str, Any]]:
    """Every finding of the item's variants (compliance, platform limits) and of its assets."""
    variants = list(item.variants.select_related("platform", "cover").order_by("pk"))
    industry = industry_of(item)
    out: list[dict[str, Any]] = []
    for variant in variants:
        out += variant_findings(item, variant, industry)
    return out + asset_findings(item, variants)


SEVERITY_ORDER = {"block": 0, "warn": 1, "info": 2}


def by_variant(findings: list[dict[str, Any]]) -> dict[int | None, list[dict[str, Any]]]:
    """Findings grouped by variant id (None: the item's own assets), worst first."""
    out: dict[int | None, list[dict[str, Any]]] = {}
    for f in sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f["severity"], 9), f["start"])):
        out.setdefault(f.get("variant"), []).append(f)
    return out
