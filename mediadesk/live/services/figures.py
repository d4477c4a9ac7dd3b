"""Session figures: entered, imported in bulk, and passed on to commissions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import audit
from mediadesk.live import rules
from mediadesk.live.models import (
    FIGURE_FIELDS,
    Figures,
    Session,
)
from mediadesk.live.services._common import require_manage, snap


def clean_figures(values: Mapping[str, Any], current: Figures | None = None) -> dict[str, Any]:
    """The figure fields of `values`, validated together with what is already stored."""
    data = {k: values[k] for k in FIGURE_FIELDS if k in values}
    merged = {k: getattr(current, k) for k in FIGURE_FIELDS} if current else {}
    merged.update(data)
    errors = rules.figure_errors(merged)
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def save_figures(
    session: Session,
    *,
    by: Any,
    values: Mapping[str, Any],
    source: str = "api",
    extra: Mapping[str, str] | None = None,
) -> Figures:
    """Store a session's figures (idempotent: same values, no change) and feed commissions."""
    require_manage(by, session)
    current = Figures.objects.select_for_update().filter(session=session).first()
    data = clean_figures(values, current)
    figures = current or Figures(session=session)
    before = snap(figures, FIGURE_FIELDS) if current else {}
    for key, value in data.items():
        setattr(figures, key, value)
    if extra:
        figures.extra = {**figures.extra, **extra}
    curve = values.get("online_curve")
    if curve is not None:
        if any(not isinstance(v, int) or v < 0 for v in curve):
            raise ValidationError({"online_curve": _("在线曲线的数值不能为负数")})
        before["online_curve_minutes"] = len(figures.online_curve) if current else None
        figures.online_curve = list(curve)
    figures.source = source
    figures.save()
    after = snap(figures, FIGURE_FIELDS)
    if curve is not None:
        after["online_curve_minutes"] = len(figures.online_curve)
    changes = audit.diff(before, after)
    if changes:
        audit.record(actor=by, action="live_session.figures", target=session, changes=changes)
        sync_commission_figures(session, figures, by=by)
    return figures


def save_figures_bulk(
    rows: list[tuple[Session, dict[str, int | None], dict[str, str]]],
    *,
    by: Any,
    filename: str = "",
) -> int:
    """Store many sessions' figures at once (the import): validated against what is stored,
    one audit entry per changed session, commissions fed in bulk. Runs inside the caller's
    transaction. Returns how many sessions changed."""
    ids = [s.pk for s, _v, _e in rows]
    current = {f.session_id: f for f in Figures.objects.filter(session_id__in=ids)}
    new: list[Figures] = []
    changed: list[Figures] = []
    entries: list[tuple[Any, dict[str, Any]]] = []
    for session, values, extra in rows:
        figures = current.get(session.pk)
        data = clean_figures(values, figures)
        before = {k: getattr(figures, k) for k in FIGURE_FIELDS} if figures else {}
        target = figures or Figures(session=session)
        for key, value in data.items():
            setattr(target, key, value)
        diff = audit.diff(before, {k: getattr(target, k) for k in FIGURE_FIELDS})
        if not diff:
            continue
        target.extra = {**target.extra, **extra, **({"_file": filename[:100]} if filename else {})}
        target.source = "import"
        (changed if figures else new).append(target)
        entries.append((session, diff))
    # Changed rows are replaced (nothing refers to a Figures row's id): SQLite's CASE-based
    # bulk_update is quadratic and one UPDATE per row is slow at 10,000 rows.
    Figures.objects.filter(pk__in=[f.pk for f in changed]).delete()
    for f in changed:
        f.pk = None
    Figures.objects.bulk_create(new + changed, batch_size=500)
    _audit_many(by, "live_session.figures", entries)
    _sync_commissions_bulk([s for s, _d in entries], by=by)
    return len(entries)


def _audit_many(by: Any, action: str, entries: list[tuple[Any, dict[str, Any]]]) -> None:
    """audit.record for many targets in one INSERT per 500."""
    audit.record_many(actor=by, action=action, entries=entries)


def _company_id(session: Session) -> int:
    """The company a session's commission figure belongs to (its own, else its project's)."""
    if session.company_id is not None:
        return session.company_id
    return session.project.company_id if session.project else 0


def _sync_commissions_bulk(sessions: list[Session], *, by: Any) -> None:
    """sync_commission_figures for many sessions: one read, bulk writes, one audit entry each."""
    from mediadesk.commissions.models import LiveSessionFigure

    for k in range(0, len(sessions), 500):
        chunk = list(
            Session.objects.filter(pk__in=[s.pk for s in sessions[k : k + 500]])
            .exclude(project=None)
            .select_related("figures")
            .prefetch_related("anchors")
        )
        notes = {COMMISSION_NOTE.format(pk=s.pk): s for s in chunk}
        existing = {
            (r.note, r.anchor_id): r for r in LiveSessionFigure.objects.filter(note__in=notes)
        }
        new, changed = [], []
        for note, session in notes.items():
            f = session.figures
            day = timezone.localtime(session.planned_start).date()
            for anchor in session.anchors.all():
                row = existing.get((note, anchor.pk))
                values = {"viewers": f.viewers or 0, "leads": f.leads or 0, "date": day}
                if row is None:
                    new.append(
                        LiveSessionFigure(
                            organisation_id=session.organisation_id,
                            company_id=_company_id(session),
                            project_id=int(session.project_id or 0),
                            anchor=anchor,
                            entered_by=by,
                            note=note,
                            **values,
                        )
                    )
                elif any(getattr(row, a) != b for a, b in values.items()):
                    for a, b in values.items():
                        setattr(row, a, b)
                    changed.append(row)
        LiveSessionFigure.objects.bulk_create(new)
        for row in changed:
            LiveSessionFigure.objects.filter(pk=row.pk).update(
                viewers=row.viewers, leads=row.leads, date=row.date
            )
        _audit_many(
            by,
            "live_figure.update",
            [(r, {"leads": [None, r.leads], "viewers": [None, r.viewers]}) for r in new + changed],
        )


COMMISSION_NOTE = "直播场次#{pk} 平台数据"


def sync_commission_figures(session: Session, figures: Figures, *, by: Any) -> None:
    """Feed the commissions live-session incentive from the session's real figures: one
    LiveSessionFigure per anchor, marked with the session (hand entries stay unmarked)."""
    from mediadesk.commissions.models import LiveSessionFigure

    if session.project_id is None or (figures.viewers is None and figures.leads is None):
        return
    note = COMMISSION_NOTE.format(pk=session.pk)
    day = timezone.localtime(session.planned_start).date()
    for anchor in session.anchors.all():
        row, created = LiveSessionFigure.objects.update_or_create(
            note=note,
            anchor=anchor,
            defaults={
                "organisation_id": session.organisation_id,
                "company_id": _company_id(session),
                "project_id": session.project_id,
                "date": day,
                "entered_by": by,
                "viewers": figures.viewers or 0,
                "leads": figures.leads or 0,
            },
        )
        audit.record(
            actor=by,
            action="live_figure.create" if created else "live_figure.update",
            target=row,
            changes={"leads": [None, row.leads]},
        )
