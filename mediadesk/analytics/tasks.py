"""Background tasks of the analytics app: validating and importing large metric files."""

from __future__ import annotations

import logging

from django.tasks import task
from django.utils.translation import gettext

from mediadesk.analytics import imports
from mediadesk.analytics.models import ImportBatch
from mediadesk.core import context

log = logging.getLogger(__name__)


@task()
def validate_import(batch_id: int) -> str:
    """Validate an uploaded batch (the preview of a large file); idempotent per batch state."""
    with context.acting_from("task"):
        batch = (
            ImportBatch.objects.select_related("created_by", "platform").filter(pk=batch_id).first()
        )
        if batch is None or batch.status not in imports.PREVIEWABLE:
            return "skipped"
        try:
            report = imports.preview(batch)
        except Exception as exc:
            log.exception("metrics import %s: validation failed", batch_id)
            imports.fail(batch_id, gettext("校验失败：%(error)s") % {"error": exc})
            return "failed"
        return "cancelled" if report is None else "validated"


@task()
def run_import(batch_id: int) -> str:
    """Import a confirmed batch; a batch not waiting to be imported is left alone."""
    with context.acting_from("task"):
        batch = (
            ImportBatch.objects.select_related("created_by", "platform").filter(pk=batch_id).first()
        )
        if batch is None or batch.status != ImportBatch.Status.IMPORTING:
            return "skipped"
        try:
            report = imports.run(batch)
        except Exception as exc:
            log.exception("metrics import %s failed", batch_id)
            imports.fail(batch_id, gettext("导入失败，未写入任何数据：%(error)s") % {"error": exc})
            return "failed"
        return "cancelled" if report is None else "done"
