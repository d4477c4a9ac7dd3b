"""Reads of the review app: visible runs, the 待我审核 queue, who may act on a step, reviewers
to notify, and the contexts of the review page and the item panel."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.content.models import ContentItem, Status, Variant
from mediadesk.core import audit, scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.orgs.models import RoleGrant, User
from mediadesk.orgs.roles import Perm, perms_of
from mediadesk.review import diff, rules
from mediadesk.review.models import ReviewRun, Revision, StepState, Workflow, WorkflowStep

ITEM_FIELDS = (
    "title", "company", "project", "category", "series", "owner", "form", "target_exposure",
    "target_interactions", "target_conversions", "seo_keywords", "notes", "is_reserve",
    "marketing_node",
)  # fmt: skip
VARIANT_FIELDS = (
    "account", "platform", "title", "body", "digest", "tags", "mentions", "link_url", "cover",
    "duration_seconds", "planned_at",
)  # fmt: skip
MARKABLE = (Status.APPROVED, Status.SCHEDULED)
STATUS_LABELS = dict(ReviewRun.Status.choices)


# --- permissions ---------------------------------------------------------------------------


def require_view(user: Any) -> None:
    """Reviews are content: only holders of content.view see them (sales do not)."""
    if not scopes.has_perm(user, Perm.CONTENT_VIEW):
        raise PermissionDenied(_("没有查看内容审核的权限"))


def visible_runs(user: Any) -> QuerySet[ReviewRun]:
    """Runs of items in the scopes where the user may view content."""
    return ReviewRun.objects.filter(
        scopes.scope_q(user, Perm.CONTENT_VIEW, prefix="item__", shared=True)
    )


def access_run(user: Any, pk: Any) -> ReviewRun:
    """One visible run (404 outside the user's scope)."""
    require_view(user)
    qs = visible_runs(user).select_related(
        "item", "item__owner", "revision", "workflow", "submitted_by"
    )
    return scopes.get_or_404(qs, pk)


def visible_items(user: Any) -> QuerySet[ContentItem]:
    """Items the user may view (for the submit API's lookup)."""
    return ContentItem.objects.filter(scopes.scope_q(user, Perm.CONTENT_VIEW, shared=True))


def can_manage_workflows(user: Any, organisation_id: int | None) -> bool:
    """Workflows are organisation-wide: review.workflows held organisation-wide."""
    return organisation_id is not None and any(
        g.organisation_id == organisation_id
        and g.company_id is None
        and g.project_id is None
        and Perm.REVIEW_WORKFLOWS in perms_of({g.role})
        for g in scopes.grants(user)
    )


def acting_problem(user: Any, state: StepState) -> str | None:
    """Why `user` may not act on `state` now (None when they may)."""
    run, item = state.run, state.run.item
    if run.status != ReviewRun.Status.ACTIVE:
        return _("该审核已结束")
    if state.status != StepState.Status.PENDING:
        return _("该步骤当前不在待审核状态")
    if user.pk in (run.submitted_by_id, item.owner_id):
        return _("不能审核自己负责或提交的内容")
    if not scopes.holds_role(user, state.step.roles, item):
        return _("您在该内容的范围内没有“%(step)s”的审核角色") % {"step": state.step.name}
    earlier = run.steps.filter(acted_by=user).exclude(pk=state.pk)
    if earlier.exists():
        return _("同一人不能审核同一内容的多个步骤")
    return None


def can_act(user: Any, state: StepState | None) -> bool:
    return state is not None and acting_problem(user, state) is None


def can_publish(user: Any, variant: Variant) -> bool:
    return scopes.allows(user, Perm.CONTENT_PUBLISH, variant)


def reviewers(step: WorkflowStep, item: ContentItem, *, run: ReviewRun | None = None) -> list[User]:
    """Users holding one of the step's roles in the item's scope who may act on it."""
    scope = Q(company__isnull=True, project__isnull=True)
    if item.company_id:
        scope |= Q(company_id=item.company_id, project__isnull=True)
    if item.project_id:
        scope |= Q(project_id=item.project_id)
    grants = RoleGrant.objects.filter(
        scope, organisation_id=item.organisation_id, role__in=step.roles
    )
    users = User.objects.filter(is_active=True, pk__in=grants.values("user_id"))
    users = users.exclude(pk=item.owner_id)
    if run is not None:
        acted = run.steps.filter(acted_by__isnull=False).values("acted_by_id")
        users = users.exclude(pk=run.submitted_by_id).exclude(pk__in=acted)
    return list(users.order_by("username"))


# --- the queue and the list ----------------------------------------------------------------


def _step_ids_by_role(user: Any) -> dict[str, set[int]]:
    """Workflow step ids per role code, for the roles the user holds (JSON lists are read in
    Python because SQLite has no JSON `contains`)."""
    held = scopes.roles(user)
    org_ids = scopes.organisation_ids(user)
    out: dict[str, set[int]] = {role: set() for role in held}
    steps = WorkflowStep.objects.filter(workflow__organisation_id__in=org_ids)
    for pk, roles in steps.values_list("pk", "roles"):
        for role in held & set(roles or []):
            out[role].add(pk)
    return out


def _actable_q(user: Any) -> Q:
    """Pending steps whose role the user holds in the item's scope."""
    by_role = _step_ids_by_role(user)
    q = Q(pk__in=[])
    for g in scopes.grants(user):
        ids = by_role.get(g.role)
        if not ids:
            continue
        scope = Q(run__item__organisation_id=g.organisation_id)
        if g.project_id:
            scope &= Q(run__item__project_id=g.project_id)
        elif g.company_id:
            scope &= Q(run__item__company_id=g.company_id)
        q |= scope & Q(step_id__in=ids)
    return q


def my_queue(user: Any) -> QuerySet[StepState]:
    """Pending steps this user can act on (待我审核), oldest first."""
    acted = StepState.objects.filter(run=OuterRef("run"), acted_by=user)
    return (
        StepState.objects.filter(
            _actable_q(user), status=StepState.Status.PENDING, run__status=ReviewRun.Status.ACTIVE
        )
        .exclude(run__submitted_by=user)
        .exclude(run__item__owner=user)
        .exclude(Exists(acted))
        .select_related(
            "step",
            "run",
            "run__item",
            "run__item__project",
            "run__revision",
            "run__submitted_by",
            "run__workflow",
        )
        .order_by("started_at", "pk")
    )


URGENT_REMIND_HOURS = 1


def overdue_q(now: datetime, *, prefix: str = "") -> Q:
    """Pending steps older than their workflow's reminder threshold (one term per threshold)."""
    hours_values = Workflow.objects.values_list("remind_after_hours", flat=True).distinct()
    q = Q(pk__in=[])
    for hours in set(hours_values):
        q |= Q(
            **{
                f"{prefix}run__workflow__remind_after_hours": hours,
                f"{prefix}started_at__lte": now - timedelta(hours=hours),
            }
        )
    q |= Q(**{f"{prefix}run__urgent": True, f"{prefix}started_at__lte": now - timedelta(hours=URGENT_REMIND_HOURS)})  # fmt: skip
    return q & Q(**{f"{prefix}status": StepState.Status.PENDING})


def filter_queue(qs: QuerySet[StepState], params: Mapping[str, Any]) -> QuerySet[StepState]:
    """Filters of the queue (filters.QueueFilters): title search, project, form, overdue."""
    from mediadesk.review.filters import QueueFilters

    return QueueFilters.from_query(params).apply(qs)


def filter_runs(qs: QuerySet[ReviewRun], params: Mapping[str, Any]) -> QuerySet[ReviewRun]:
    """Filters of the review list, the export and the API (filters.RunFilters)."""
    from mediadesk.review.filters import RunFilters

    return RunFilters.from_query(params).apply(qs)


def with_steps(qs: QuerySet[ReviewRun]) -> QuerySet[ReviewRun]:
    """Runs with their item, submitter and step states loaded (list, export, API)."""
    states = StepState.objects.select_related("step", "acted_by").order_by("order")
    return qs.select_related("item", "item__project", "submitted_by", "revision").prefetch_related(
        Prefetch("steps", queryset=states)
    )


def step_names(user: Any) -> list[str]:
    """Distinct step names of the user's organisations' workflows (the step filter)."""
    qs = WorkflowStep.objects.filter(workflow__organisation_id__in=scopes.organisation_ids(user))
    return sorted(set(qs.values_list("name", flat=True)))


def submitters(user: Any) -> QuerySet[User]:
    """People who submitted a visible run (the submitter filter)."""
    ids = visible_runs(user).values("submitted_by_id")
    return User.objects.filter(pk__in=ids).order_by("username")


def current_state(run: ReviewRun) -> StepState | None:
    """The run's pending step, if any (uses prefetched steps when present)."""
    return next((s for s in run.steps.all() if s.status == StepState.Status.PENDING), None)


def mark_overdue(states: list[StepState], *, now: datetime | None = None) -> list[StepState]:
    """Set `.overdue` on each pending state for display."""
    now = now or timezone.now()
    for state in states:
        state.overdue = state.status == StepState.Status.PENDING and rules.is_overdue(  # type: ignore[attr-defined]
            state.started_at, hours=state.run.workflow.remind_after_hours, now=now
        )
    return states


# --- the review page -----------------------------------------------------------------------


def previous_revision(revision: Revision) -> Revision | None:
    return (
        Revision.objects.filter(item_id=revision.item_id, number__lt=revision.number)
        .order_by("-number")
        .first()
    )


def _labels(target_type: str, fields: tuple[str, ...]) -> dict[str, str]:
    labels = audit.field_labels(target_type)
    return {name: labels.get(name, name) for name in fields}


def revision_diff(revision: Revision) -> tuple[Revision | None, list[diff.Section]]:
    """The previous revision and the sections that changed since it."""
    previous = previous_revision(revision)
    sections = diff.compare(
        previous.snapshot if previous else None,
        revision.snapshot,
        item_labels=_labels("content_item", ITEM_FIELDS),
        variant_labels=_labels("variant", VARIANT_FIELDS),
    )
    return previous, sections


def _field_text(snapshot: Mapping[str, Any], variant_id: Any, field: str) -> str:
    for variant in snapshot.get("variants", []):
        if variant.get("id") == variant_id:
            return str(variant.get("fields", {}).get(field) or "")
    if variant_id in (None, ""):
        return str(snapshot.get("item", {}).get(field) or "")
    return ""


def _variant_label(snapshot: Mapping[str, Any], variant_id: Any) -> str:
    for variant in snapshot.get("variants", []):
        if variant.get("id") == variant_id:
            return str(variant.get("label", ""))
    return _("内容")


def findings_view(revision: Revision) -> list[dict[str, Any]]:
    """Stored findings with the snippet cut from the submitted text, block ones first."""
    labels = {**_labels("content_item", ITEM_FIELDS), **_labels("variant", VARIANT_FIELDS)}
    order = {"block": 0, "warn": 1, "info": 2}
    out = []
    for finding in revision.findings or []:
        text = _field_text(revision.snapshot, finding.get("variant"), str(finding.get("field", "")))
        out.append({
            **finding,
            "where": _variant_label(revision.snapshot, finding.get("variant")),
            "field_label": labels.get(str(finding.get("field", "")), finding.get("field", "")),
            "snippet": rules.snippet(text, finding.get("start"), finding.get("end")),
        })  # fmt: skip
    return sorted(out, key=lambda f: order.get(str(f.get("severity")), 3))


def _rows(values: Mapping[str, Any], labels: Mapping[str, str]) -> list[tuple[str, Any]]:
    return [
        (label, values.get(key))
        for key, label in labels.items()
        if values.get(key) not in (None, "", [])
    ]


def snapshot_view(revision: Revision) -> dict[str, Any]:
    """The submitted item and variants as labelled rows, for reading the revision."""
    snap = revision.snapshot or {}
    variant_labels = _labels("variant", VARIANT_FIELDS)
    del variant_labels["account"], variant_labels["platform"]
    return {
        "item": _rows(snap.get("item", {}), _labels("content_item", ITEM_FIELDS)),
        "assets": [a.get("title") for a in snap.get("assets", [])],
        "variants": [
            {
                "id": v.get("id"),
                "label": v.get("label"),
                "rows": _rows(v.get("fields", {}), variant_labels),
            }
            for v in snap.get("variants", [])
        ],
    }


def run_page(run: ReviewRun, user: Any) -> dict[str, Any]:
    """Everything the review page of one run shows."""
    states = mark_overdue(list(run.steps.select_related("step", "acted_by", "run__workflow")))
    for state in states:
        state.run = run
    current = next((s for s in states if s.status == StepState.Status.PENDING), None)
    previous, sections = revision_diff(run.revision)
    return {
        "run": run,
        "item": run.item,
        "revision": run.revision,
        "states": states,
        "current": current,
        "problem": acting_problem(user, current) if current else None,
        "can_act": can_act(user, current),
        "needs_override": bool(
            current and current.step.requires_override_for_block and run.revision.block_count
        ),
        "previous": previous,
        "sections": sections,
        "findings": findings_view(run.revision),
        "snapshot": snapshot_view(run.revision),
        "variants": variant_marks(run.item, user),
        "history": audit.label_entries(list(audit.history(run)[:50])),
        "reviewers": reviewers(current.step, run.item, run=run) if current else [],
    }


def variant_marks(item: ContentItem, user: Any) -> list[Variant]:
    """The item's variants, each with `.can_mark` (approved/scheduled and content.publish)."""
    variants = list(item.variants.select_related("platform", "account"))
    for variant in variants:
        allowed = can_publish(user, variant)
        variant.can_mark = allowed and variant.status in MARKABLE  # type: ignore[attr-defined]
        variant.can_withdraw = allowed and variant.status in (*MARKABLE, Status.PUBLISHED)  # type: ignore[attr-defined]
    return variants


def item_panel(item: ContentItem, user: Any) -> dict[str, Any]:
    """Context for review/_item_panel.html on the item page; every key starts with `review_`
    so it can be merged into the item page's own context."""
    run = item.review_runs.select_related("revision", "workflow", "submitted_by").first()
    states: list[StepState] = []
    current = None
    if run is not None:
        states = mark_overdue(list(run.steps.select_related("step", "acted_by")))
        for state in states:
            state.run = run
        current = next((s for s in states if s.status == StepState.Status.PENDING), None)
    return {
        "review_run": run,
        "review_states": states,
        "review_current": current,
        "review_can_act": can_act(user, current),
        "review_problem": acting_problem(user, current) if current else None,
        "review_can_submit": item.status in (Status.DRAFT, Status.CHANGES)
        and scopes.allows(user, Perm.CONTENT_EDIT, item),
        "review_variants": variant_marks(item, user),
        "now_local": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }


def require_workflows(user: Any) -> Any:
    """The organisation whose review workflows `user` may set (organisation-level managers
    and administrators); 403 otherwise. Pages and API check here."""
    if not can_manage_workflows(user, user.organisation_id):
        raise PermissionDenied(_("只有组织级的部门负责人或管理员可以设置审核流程"))
    return user.organisation
