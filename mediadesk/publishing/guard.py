"""The guard: only the approved revision's copy and media go out.

At scheduling the job stores the variant as the last approved revision recorded it; just
before posting the worker compares the variant as it is now with that record. Any change of
copy, media or account (the time may move) refuses the job with
`content_changed_since_approval`, and the item goes back to review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediadesk.content.models import ContentItem, Status, Variant
from mediadesk.core import audit
from mediadesk.review.models import ReviewRun, Revision
from mediadesk.review.queries import VARIANT_FIELDS

CHANGED = "content_changed_since_approval"
CHANGED_MESSAGE = "内容已在审核后修改，未发布；内容已退回重新审核"
# planned_at may change after approval (a new time is not new copy).
COMPARED = tuple(f for f in VARIANT_FIELDS if f != "planned_at")
PAYLOAD_FIELDS = ("title", "body", "digest", "tags", "mentions", "link_url")


def approved_revision(item: ContentItem) -> Revision | None:
    """The revision of the item's last approved review run (None if none or a later run is open)."""
    runs = ReviewRun.objects.filter(item=item).select_related("revision")
    last = runs.order_by("-started_at", "-pk").first()
    if last is None or last.status != ReviewRun.Status.APPROVED:
        return None
    return last.revision


def _entry(revision: Revision, variant_id: int) -> dict[str, Any] | None:
    for entry in revision.snapshot.get("variants", []):
        if entry.get("id") == variant_id:
            return dict(entry)
    return None


def matches(variant: Variant, revision: Revision, asset_ids: list[int] | None = None) -> bool:
    """True if the variant's copy, media and account equal what the revision approved
    (`asset_ids`: the item's assets by id, when the caller has read them already)."""
    entry = _entry(revision, variant.pk)
    if entry is None:
        return False
    now = audit.snapshot(variant, COMPARED)
    approved = entry.get("fields", {})
    if asset_ids is None:
        asset_ids = list(variant.item.assets.order_by("pk").values_list("pk", flat=True))
    same_assets = [a["id"] for a in revision.snapshot.get("assets", [])] == asset_ids
    return (
        same_assets
        and all(now.get(f) == approved.get(f) for f in COMPARED)
        and (entry.get("cover_id") == variant.cover_id)
    )


def payload(variant: Variant, revision: Revision) -> dict[str, Any]:
    """What the job will send: the approved revision's copy and media ids."""
    entry = _entry(revision, variant.pk) or {}
    fields = entry.get("fields", {})
    out: dict[str, Any] = {name: fields.get(name) or "" for name in PAYLOAD_FIELDS}
    out["cover_id"] = entry.get("cover_id")
    out["asset_ids"] = [a["id"] for a in revision.snapshot.get("assets", [])]
    out["author"] = ""
    return out


def check(job: Any) -> str:
    """Empty if the job may go out; else why not."""
    return Checks([job]).verdict(job)


def _verdict(job: Any, variant: Variant, revision: Revision | None, asset_ids: list[int]) -> str:
    if variant.status != Status.SCHEDULED:
        return CHANGED
    if revision is None or revision.number != job.revision_number:
        return CHANGED
    return "" if matches(variant, revision, asset_ids) else CHANGED


class Checks:
    """The guard for a chunk of jobs, read in three queries. A verdict older than FRESH (the
    chunk's earlier posts were slow) is read again for its job alone, right before it posts."""

    FRESH = dt.timedelta(seconds=5)

    def __init__(self, jobs: list[Any]) -> None:
        self.at = timezone.now()
        variants = Variant.objects.select_related("item", "account__platform", "platform", "cover")
        self.variants = variants.in_bulk([j.variant_id for j in jobs])
        items = {v.item_id for v in self.variants.values()}
        self.revisions: dict[int, Revision | None] = {}
        runs = ReviewRun.objects.filter(item_id__in=items).select_related("revision")
        for run in runs.order_by("item_id", "-started_at", "-pk"):
            if run.item_id not in self.revisions:  # the item's last run
                approved = run.status == ReviewRun.Status.APPROVED
                self.revisions[run.item_id] = run.revision if approved else None
        self.assets: dict[int, list[int]] = {item: [] for item in items}
        links = ContentItem.assets.through.objects.filter(contentitem_id__in=items)
        for item, asset in links.order_by("contentitem_id", "asset_id").values_list(
            "contentitem_id", "asset_id"
        ):
            self.assets[item].append(asset)

    def problem(self, job: Any) -> str:
        """Empty if the job may go out; else why not."""
        fresh = timezone.now() - self.at <= self.FRESH
        return (self if fresh else Checks([job])).verdict(job)

    def verdict(self, job: Any) -> str:
        variant = self.variants.get(job.variant_id)
        if variant is None:
            return CHANGED
        item = variant.item_id
        return _verdict(job, variant, self.revisions.get(item), self.assets.get(item, []))


def refuse(job: Any, code: str, worker: str) -> str:
    """Fail the job without posting and send the item back to review."""
    from mediadesk.publishing import engine
    from mediadesk.publishing.connectors.base import PlatformError
    from mediadesk.review.services import REOPENABLE, on_item_edited

    result = engine.fail(job, PlatformError(code, CHANGED_MESSAGE), worker)
    with transaction.atomic():
        item = ContentItem.objects.select_for_update().get(pk=job.variant.item_id)
        if item.status in REOPENABLE and item.status != Status.IN_REVIEW:
            on_item_edited(item, by=job.created_by)
        elif item.status == Status.IN_REVIEW:
            Variant.objects.filter(pk=job.variant_id, status=Status.SCHEDULED).update(
                status=Status.IN_REVIEW
            )
    return result
