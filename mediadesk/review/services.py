"""Every write of the review app: workflows, submitting, acting on steps, reopening after an
edit, reminders and marking approved variants published or withdrawn.

Transitions lock the run row first (select_for_update), so two reviewers, a reviewer and an
editor, or a double submit are serialised; the losing side gets a clear message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.content.models import ContentItem, Form, Status, Variant
from mediadesk.core import audit, scopes
from mediadesk.core.errors import Conflict, PermissionDenied, ValidationError
from mediadesk.notifications import services as notifications
from mediadesk.orgs.models import Organisation
from mediadesk.orgs.roles import Perm, Role
from mediadesk.review import evidence, queries, rules
from mediadesk.review.models import ReviewRun, Revision, StepState, Workflow, WorkflowStep

audit.register_actions(
    {
        "review.submit": gettext_lazy("提交审核"),
        "review.approve": gettext_lazy("审核通过"),
        "review.override": gettext_lazy("放行禁止级问题"),
        "review.changes": gettext_lazy("要求修改"),
        "review.reject": gettext_lazy("驳回"),
        "review.reopen": gettext_lazy("修改后重新审核"),
        "review.remind": gettext_lazy("审核超时催办"),
        "review.item_status": gettext_lazy("审核状态变更"),
        "workflow.create": gettext_lazy("新建审核流程"),
        "workflow.update": gettext_lazy("修改审核流程"),
        "variant.mark_published": gettext_lazy("标记已发布"),
        "variant.mark_withdrawn": gettext_lazy("标记已撤回"),
    }
)
# Labels of the keys review entries record that are not fields of the audited model.
audit.EXTRA_LABELS.update(
    {
        "step": gettext_lazy("步骤"),
        "comment": gettext_lazy("审核意见"),
        "block_count": gettext_lazy("禁止级问题数"),
        "evidence": gettext_lazy("证明材料"),
        "waited_hours": gettext_lazy("已等待(小时)"),
        "cancelled_run": gettext_lazy("被取代的审核"),
        "run": gettext_lazy("审核"),
    }
)
notifications.register_kinds(
    {
        "review.pending": gettext_lazy("待审核"),
        "review.reminder": gettext_lazy("审核超时催办"),
        "review.result": gettext_lazy("审核结果"),
    }
)

DEFAULT_STEPS = (
    ("一审 内容策划", [Role.PLANNER, Role.MANAGER], "符合目标与主题、数据准确、无错别字、素材清晰", False, False),
    ("二审 部门经理", [Role.MANAGER], "品牌调性、广告法合规、肖像/版权风险", False, True),
    ("三审 法务/公关", [Role.LEGAL], "舆情风险、敏感信息、策略把关", False, False),
)  # fmt: skip
REVIEWABLE = (Status.DRAFT, Status.CHANGES)
REOPENABLE = (Status.IN_REVIEW, Status.APPROVED, Status.SCHEDULED)
# Variants already out in the world keep their state when the item goes back to review.
SETTLED = (Status.PUBLISHED, Status.WITHDRAWN)


# --- workflows -----------------------------------------------------------------------------


def default_workflow(organisation: Organisation) -> Workflow:
    """The organisation's default workflow (一审 → 二审 → 三审), created on first use."""
    existing = Workflow.objects.filter(organisation=organisation, form="", is_active=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            workflow = Workflow.objects.create(organisation=organisation, name="三级审核（默认）")
            for order, (name, roles, checklist, risky, override) in enumerate(DEFAULT_STEPS, 1):
                WorkflowStep.objects.create(
                    workflow=workflow, order=order, name=name, roles=[str(r) for r in roles],
                    checklist=checklist, only_when_risky=risky, requires_override_for_block=override,
                )  # fmt: skip
    except IntegrityError:  # another request created it first
        return Workflow.objects.get(organisation=organisation, form="", is_active=True)
    return workflow


def workflow_for(item: ContentItem) -> Workflow:
    """The active workflow for the item's form, else the organisation's default."""
    specific = Workflow.objects.filter(
        organisation_id=item.organisation_id, form=item.form, is_active=True
    ).first()
    return specific or default_workflow(item.organisation)


def _step_specs(steps: Sequence[dict[str, Any]]) -> list[rules.StepSpec]:
    return [
        rules.StepSpec(
            order=i, name=str(s.get("name") or "").strip(), roles=tuple(s.get("roles") or ()),
            only_when_risky=bool(s.get("only_when_risky")),
            requires_override_for_block=bool(s.get("requires_override_for_block")),
        )
        for i, s in enumerate(steps, start=1)
    ]  # fmt: skip


def _check_workflow(
    organisation: Organisation, values: dict[str, Any], specs: list[rules.StepSpec], pk: Any
) -> None:
    errors: dict[str, list[str]] = {}
    if not str(values.get("name") or "").strip():
        errors["name"] = [_("请填写流程名称")]
    form = values.get("form") or ""
    if form and form not in Form.values:
        errors["form"] = [_("未知的内容形式")]
    hours = values.get("remind_after_hours")
    if not isinstance(hours, int) or not 1 <= hours <= 720:
        errors["remind_after_hours"] = [_("超时催办须为 1–720 小时")]
    clash = Workflow.objects.filter(organisation=organisation, form=form, is_active=True)
    if values.get("is_active", True) and clash.exclude(pk=pk).exists():
        errors["form"] = [_("该内容形式已有启用的审核流程，请先停用原流程")]
    problems = rules.workflow_errors(specs, known_roles=set(Role.values))
    if problems:
        errors["steps"] = problems
    if errors:
        raise ValidationError(errors)


def _write_steps(
    workflow: Workflow, specs: list[rules.StepSpec], steps: Sequence[dict[str, Any]]
) -> None:
    for spec, raw in zip(specs, steps, strict=True):
        WorkflowStep.objects.create(
            workflow=workflow, order=spec.order, name=spec.name, roles=list(spec.roles),
            checklist=str(raw.get("checklist") or "").strip(), only_when_risky=spec.only_when_risky,
            requires_override_for_block=spec.requires_override_for_block,
        )  # fmt: skip


WORKFLOW_FIELDS = ("name", "form", "is_active", "remind_after_hours")


def _workflow_state(workflow: Workflow) -> dict[str, Any]:
    state = audit.snapshot(workflow, WORKFLOW_FIELDS)
    state["steps"] = [
        f"{s.order}. {s.name}（{'、'.join(s.roles)}）" for s in workflow.steps.order_by("order")
    ]
    return state


@transaction.atomic
def save_workflow(
    workflow: Workflow | None,
    *,
    by: Any,
    organisation: Organisation,
    values: dict[str, Any],
    steps: Sequence[dict[str, Any]],
) -> Workflow:
    """Create or change a workflow (review.workflows organisation-wide).

    A workflow that runs have used is never edited in place: it is retired and a new version
    takes its place, so past and active runs keep the steps they were walked through."""
    if not queries.can_manage_workflows(by, organisation.pk):
        raise PermissionDenied(_("只有组织级的部门负责人或管理员可以设置审核流程"))
    specs = _step_specs(steps)
    pk = workflow.pk if workflow else None
    _check_workflow(organisation, values, specs, pk)
    before = _workflow_state(workflow) if workflow else {}
    if workflow is not None and workflow.runs.exists():
        Workflow.objects.filter(pk=workflow.pk).update(is_active=False)
        workflow = None
    if workflow is None:
        workflow = Workflow(organisation=organisation)
    else:
        workflow.steps.all().delete()
    for field in WORKFLOW_FIELDS:
        setattr(workflow, field, values.get(field, getattr(workflow, field)))
    workflow.form = workflow.form or ""
    workflow.save()
    _write_steps(workflow, specs, steps)
    after = _workflow_state(workflow)
    action = "workflow.update" if before else "workflow.create"
    audit.record(actor=by, action=action, target=workflow, changes=audit.diff(before, after))
    return workflow


# --- snapshots -----------------------------------------------------------------------------


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _variant_snapshot(variant: Variant) -> dict[str, Any]:
    fields = audit.snapshot(variant, queries.VARIANT_FIELDS)
    fields["planned_at"] = _local(variant.planned_at)
    return {
        "id": variant.pk,
        "label": f"{variant.platform.name} · {variant.account.name}",
        "account_id": variant.account_id,
        "platform": variant.platform.code,
        "cover_id": variant.cover_id,
        "fields": fields,
    }


def snapshot_item(item: ContentItem) -> dict[str, Any]:
    """The item and its variants as submitted: every editable field, plus asset ids."""
    variants = item.variants.select_related("platform", "account", "cover").order_by("pk")
    return {
        "edit_version": item.edit_version,
        "item": audit.snapshot(item, queries.ITEM_FIELDS),
        "assets": [{"id": a.pk, "title": a.title} for a in item.assets.order_by("pk")],
        "variants": [_variant_snapshot(v) for v in variants],
    }


def _findings(item: ContentItem) -> list[dict[str, Any]]:
    from mediadesk.content.findings import item_findings

    return [dict(f) for f in item_findings(item)]


# --- status changes ------------------------------------------------------------------------


def _set_item_status(item: ContentItem, status: str, *, by: Any, run: ReviewRun) -> None:
    """Move the item and its unsettled variants to `status` (audited on the item)."""
    before = item.status
    ContentItem.objects.filter(pk=item.pk).update(status=status, updated_at=timezone.now())
    item.status = status
    item.variants.exclude(status__in=SETTLED).update(status=status, updated_at=timezone.now())
    if before != status:
        audit.record(
            actor=by, action="review.item_status", target=item,
            changes={"status": [Status(before).label, Status(status).label], "run": run.pk},
        )  # fmt: skip


def _run_url(run: ReviewRun) -> str:
    return reverse("review:run", args=[run.pk])


def _notify_step(state: StepState, *, kind: str = "review.pending", title: str = "") -> None:
    run, item = state.run, state.run.item
    people = queries.reviewers(state.step, item, run=run)
    notifications.notify(
        people, kind=kind,
        title=title or _("待您审核：%(title)s（%(step)s）") % {"title": item.title, "step": state.step.name},
        body=_("提交人：%(who)s；修订 r%(n)s") % {"who": run.submitted_by, "n": run.revision.number}
        + (_("；禁止级合规问题 %(n)s 个") % {"n": run.revision.block_count} if run.revision.block_count else ""),
        url=_run_url(run), organisation=item.organisation,
    )  # fmt: skip


def _notify_result(run: ReviewRun, title: str, body: str) -> None:
    people = {run.submitted_by, run.item.owner}
    notifications.notify(
        people, kind="review.result", title=title, body=body, url=_run_url(run),
        organisation=run.item.organisation,
    )  # fmt: skip


# --- submitting ----------------------------------------------------------------------------


def _start_run(item: ContentItem, *, by: Any, urgent: bool = False) -> ReviewRun:
    """Snapshot the item as the next revision and start a run at its first applicable step."""
    findings = _findings(item)
    last = item.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    now = timezone.now()
    revision = Revision.objects.create(
        item=item, number=last + 1, snapshot=snapshot_item(item), findings=findings,
        block_count=rules.block_count(findings), created_by=by, created_at=now,
    )  # fmt: skip
    workflow = workflow_for(item)
    try:
        with transaction.atomic():
            run = ReviewRun.objects.create(
                item=item, organisation_id=item.organisation_id, company_id=item.company_id,
                project_id=item.project_id, revision=revision, workflow=workflow,
                submitted_by=by, started_at=now, urgent=urgent,
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(_("该内容已有进行中的审核，请勿重复提交")) from None
    risky = revision.block_count > 0
    for step in workflow.steps.order_by("order"):
        spec = rules.StepSpec(step.order, step.name, tuple(step.roles), step.only_when_risky)
        status = (
            StepState.Status.WAITING
            if rules.applies(spec, risky=risky)
            else StepState.Status.SKIPPED
        )
        StepState.objects.create(run=run, step=step, order=step.order, status=status)
    first = _advance(run)
    assert first is not None  # workflow validation: at least one step always applies
    if urgent:
        _notify_all_steps(run)
    _set_item_status(item, Status.IN_REVIEW, by=by, run=run)
    return run


def _notify_all_steps(run: ReviewRun) -> None:
    """An urgent run: the reviewers of every later applicable step are told at once too."""
    for state in run.steps.filter(status=StepState.Status.WAITING).select_related("step"):
        state.run = run
        _notify_step(state, kind="review.pending", title=_("【加急】待审核：%(title)s（%(step)s）") % {"title": run.item.title, "step": state.step.name})  # fmt: skip


def _advance(run: ReviewRun) -> StepState | None:
    """Make the next waiting step pending and notify its reviewers; None if none is left."""
    state = run.steps.filter(status=StepState.Status.WAITING).order_by("order").first()
    if state is None:
        return None
    state.status = StepState.Status.PENDING
    state.started_at = timezone.now()
    state.save(update_fields=["status", "started_at"])
    state.run = run
    _notify_step(state)
    return state


def _lock_item(item: ContentItem) -> ContentItem:
    return ContentItem.objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def submit_item(item: ContentItem, *, by: Any, urgent: bool = False) -> ReviewRun:
    """Submit a draft (or an item sent back for changes) for review as a new revision."""
    if not scopes.allows(by, Perm.CONTENT_EDIT, item):
        raise PermissionDenied(_("没有在该范围编辑内容的权限，不能提交审核"))
    item = _lock_item(item)
    if item.status == Status.IN_REVIEW:
        raise Conflict(_("该内容已在审核中，请勿重复提交"))
    if item.status not in REVIEWABLE:
        raise ValidationError(
            _("只有草稿或需修改的内容可以提交审核（当前：%(status)s）")
            % {"status": item.get_status_display()}
        )
    if not item.variants.exists():
        raise ValidationError(_("请至少添加一个平台稿后再提交审核"))
    run = _start_run(item, by=by, urgent=urgent)
    audit.record(
        actor=by, action="review.submit", target=run,
        changes={"revision": run.revision.number, "workflow": run.workflow.name,
                 "block_count": run.revision.block_count, "urgent": urgent},
    )  # fmt: skip
    return run


def _cancel_active(item: ContentItem) -> ReviewRun | None:
    run = (
        ReviewRun.objects.select_for_update(of=("self",))
        .filter(item=item, status=ReviewRun.Status.ACTIVE)
        .first()
    )
    if run is not None:
        run.status = ReviewRun.Status.CANCELLED
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
    return run


@transaction.atomic
def on_item_edited(item: ContentItem, *, by: Any) -> ReviewRun | None:
    """Called by content services after an item or a variant changed (they checked the edit
    permission). An item in review, approved or scheduled goes back to review as a new
    revision from step 1; drafts and items needing changes are left alone."""
    item = _lock_item(item)
    if item.status not in REOPENABLE:
        return None
    cancelled = _cancel_active(item)
    run = _start_run(item, by=by)
    audit.record(
        actor=by, action="review.reopen", target=run,
        changes={"revision": run.revision.number, "cancelled_run": cancelled.pk if cancelled else None},
    )  # fmt: skip
    if cancelled is not None:
        _notify_result(
            cancelled,
            _("内容已修改，重新审核：%(title)s") % {"title": item.title},
            _("新修订 r%(n)s") % {"n": run.revision.number},
        )
    return run


# --- acting on a step ----------------------------------------------------------------------


def _locked(state: StepState, by: Any) -> StepState:
    """Lock the run, re-read the step and check the actor may act on it now."""
    run = (
        ReviewRun.objects.select_for_update(of=("self",))
        .select_related("item", "item__organisation", "revision", "submitted_by", "item__owner")
        .get(pk=state.run_id)
    )
    fresh = (
        StepState.objects.select_for_update(of=("self",)).select_related("step").get(pk=state.pk)
    )
    fresh.run = run
    if run.status != ReviewRun.Status.ACTIVE or fresh.status != StepState.Status.PENDING:
        raise Conflict(_("该步骤已被处理或审核已结束，请刷新页面"))
    problem = queries.acting_problem(by, fresh)
    if problem:
        raise PermissionDenied(problem)
    return fresh


def _close(state: StepState, status: str, *, by: Any, comment: str) -> None:
    state.status = status
    state.acted_by = by
    state.acted_at = timezone.now()
    state.comment = comment
    state.save(
        update_fields=[
            "status",
            "acted_by",
            "acted_at",
            "comment",
            "override_reason",
            "override_evidence",
        ]
    )


def _finish(run: ReviewRun, status: str) -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])


def _override(state: StepState, reason: str, upload: UploadedFile | None) -> bool:
    """Record the override a block finding needs on this step; True if one was needed."""
    if not (state.step.requires_override_for_block and state.run.revision.block_count):
        return False
    if not reason:
        raise ValidationError({"override_reason": (
            _("存在 %(n)s 个禁止级合规问题，须填写放行理由后才能通过") % {"n": state.run.revision.block_count}
        )})  # fmt: skip
    state.override_reason = reason
    if upload is not None:
        state.override_evidence.save(
            evidence.validated(upload).name or "evidence", upload, save=False
        )
    return True


@transaction.atomic
def approve_step(
    state: StepState, *, by: Any, comment: str = "", override_reason: str = "",
    evidence: UploadedFile | None = None,
) -> StepState:  # fmt: skip
    """Approve a pending step; a block finding needs an override reason where the step says so.
    The last approval approves the run and moves the item and its variants to 已通过(待发布)."""
    state = _locked(state, by)
    overridden = _override(state, override_reason.strip(), evidence)
    _close(state, StepState.Status.APPROVED, by=by, comment=comment.strip())
    run = state.run
    changes: dict[str, Any] = {"step": state.step.name, "comment": state.comment}
    audit.record(actor=by, action="review.approve", target=run, changes=changes)
    if overridden:
        audit.record(
            actor=by, action="review.override", target=run,
            changes={"step": state.step.name, "reason": state.override_reason,
                     "block_count": run.revision.block_count,
                     "evidence": state.override_evidence.name or ""},
        )  # fmt: skip
    if _advance(run) is None:
        _finish(run, ReviewRun.Status.APPROVED)
        _set_item_status(run.item, Status.APPROVED, by=by, run=run)
        _notify_result(
            run,
            _("审核通过：%(title)s") % {"title": run.item.title},
            _("全部审核步骤已通过，可以安排发布"),
        )
    return state


def _require_comment(comment: str, message: str) -> str:
    text = comment.strip()
    if not text:
        raise ValidationError({"comment": message})
    return text


@transaction.atomic
def request_changes(state: StepState, *, by: Any, comment: str) -> StepState:
    """Send the item back to its author with a comment (required); the run ends as 需修改."""
    text = _require_comment(comment, _("要求修改时必须填写修改意见"))
    state = _locked(state, by)
    _close(state, StepState.Status.CHANGES, by=by, comment=text)
    _finish(state.run, ReviewRun.Status.CHANGES)
    _set_item_status(state.run.item, Status.CHANGES, by=by, run=state.run)
    audit.record(actor=by, action="review.changes", target=state.run,
                 changes={"step": state.step.name, "comment": text})  # fmt: skip
    _notify_result(
        state.run,
        _("需修改：%(title)s") % {"title": state.run.item.title},
        _("%(step)s：%(text)s") % {"step": state.step.name, "text": text},
    )
    return state


@transaction.atomic
def reject(state: StepState, *, by: Any, comment: str) -> StepState:
    """Reject the item for good (comment required); the item becomes 已驳回."""
    text = _require_comment(comment, _("驳回时必须填写驳回理由"))
    state = _locked(state, by)
    _close(state, StepState.Status.REJECTED, by=by, comment=text)
    _finish(state.run, ReviewRun.Status.REJECTED)
    _set_item_status(state.run.item, Status.REJECTED, by=by, run=state.run)
    audit.record(actor=by, action="review.reject", target=state.run,
                 changes={"step": state.step.name, "comment": text})  # fmt: skip
    _notify_result(
        state.run,
        _("已驳回：%(title)s") % {"title": state.run.item.title},
        _("%(step)s：%(text)s") % {"step": state.step.name, "text": text},
    )
    return state


# --- reminders -----------------------------------------------------------------------------


def remind_overdue(*, now: datetime | None = None) -> int:
    """Re-notify the reviewers of every overdue pending step, at most once per reminder period
    (compare-and-set on reminded_at, so overlapping runs never notify twice)."""
    now = now or timezone.now()
    due = StepState.objects.filter(queries.overdue_q(now), run__status=ReviewRun.Status.ACTIVE)
    sent = 0
    for state in due.select_related("step", "run", "run__workflow", "run__item", "run__revision",
                                    "run__submitted_by", "run__item__organisation"):  # fmt: skip
        hours = (
            queries.URGENT_REMIND_HOURS
            if state.run.urgent
            else state.run.workflow.remind_after_hours
        )
        if not rules.needs_reminder(state.started_at, state.reminded_at, hours=hours, now=now):
            continue
        with transaction.atomic():
            claimed = StepState.objects.filter(
                pk=state.pk, status=StepState.Status.PENDING, reminded_at=state.reminded_at
            ).update(reminded_at=now)
            if not claimed:
                continue
            waited = (
                int((now - state.started_at).total_seconds() // 3600) if state.started_at else 0
            )
            _notify_step(state, kind="review.reminder",
                         title=_("审核超时提醒：%(title)s（%(step)s，已等待 %(hours)s 小时）") % {"title": state.run.item.title, "step": state.step.name, "hours": waited})  # fmt: skip
            audit.record(actor=None, action="review.remind", target=state.run,
                         changes={"step": state.step.name, "waited_hours": waited})  # fmt: skip
        sent += 1
    return sent


# --- published / withdrawn -----------------------------------------------------------------


def _lock_variant(variant: Variant, by: Any) -> Variant:
    if not scopes.allows(by, Perm.CONTENT_PUBLISH, variant):
        raise PermissionDenied(_("没有在该范围标记发布的权限"))
    return (
        Variant.objects.select_for_update(of=("self",))
        .select_related("item", "platform")
        .get(pk=variant.pk)
    )


def _settle_item(item: ContentItem, *, by: Any) -> None:
    """Once every variant is published or withdrawn, the item follows (published wins)."""
    statuses = set(item.variants.values_list("status", flat=True))
    if not statuses or not statuses <= set(SETTLED):
        return
    target = Status.PUBLISHED if Status.PUBLISHED in statuses else Status.WITHDRAWN
    before = ContentItem.objects.filter(pk=item.pk).values_list("status", flat=True).first()
    if before != target:
        ContentItem.objects.filter(pk=item.pk).update(status=target, updated_at=timezone.now())
        item.status = target
        audit.record(actor=by, action="review.item_status", target=item,
                     changes={"status": [Status(before).label if before else "", Status(target).label]})  # fmt: skip


def _check_url(url: str) -> str:
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise ValidationError(
            {"url": _("请填写以 http:// 或 https:// 开头的有效发布链接")}
        ) from None
    if len(url) > 500:
        raise ValidationError({"url": _("发布链接不能超过 500 个字符")})
    return url


@transaction.atomic
def mark_published(variant: Variant, *, by: Any, url: str, published_at: datetime) -> Variant:
    """Mark an approved (or scheduled) variant published at `url` (content.publish)."""
    variant = _lock_variant(variant, by)
    if variant.status not in queries.MARKABLE:
        raise Conflict(
            _("只有已通过或已排期的平台稿可以标记已发布（当前：%(status)s）")
            % {"status": variant.get_status_display()}
        )
    url = _check_url(url)
    if timezone.is_naive(published_at):
        raise ValidationError({"published_at": _("发布时间须包含时区")})
    if published_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"published_at": _("发布时间不能晚于当前时间")})
    before = audit.snapshot(variant, ("status", "published_url", "published_at"))
    variant.status, variant.published_url, variant.published_at = (
        Status.PUBLISHED,
        url,
        published_at,
    )
    variant.save(update_fields=["status", "published_url", "published_at", "updated_at"])
    after = audit.snapshot(variant, ("status", "published_url", "published_at"))
    audit.record(
        actor=by, action="variant.mark_published", target=variant, changes=audit.diff(before, after)
    )
    _settle_item(variant.item, by=by)
    return variant


@transaction.atomic
def mark_withdrawn(variant: Variant, *, by: Any, reason: str) -> Variant:
    """Withdraw an approved, scheduled or published variant with a reason (content.publish)."""
    text = reason.strip()
    if not text:
        raise ValidationError({"reason": _("撤回时必须填写原因")})
    if len(text) > 200:
        raise ValidationError({"reason": _("撤回原因不能超过 200 个字符")})
    variant = _lock_variant(variant, by)
    if variant.status not in (*queries.MARKABLE, Status.PUBLISHED):
        raise Conflict(
            _("该平台稿不能撤回（当前：%(status)s）") % {"status": variant.get_status_display()}
        )
    before = variant.get_status_display()
    variant.status, variant.withdrawn_reason, variant.withdrawn_at = (
        Status.WITHDRAWN,
        text,
        timezone.now(),
    )
    variant.save(update_fields=["status", "withdrawn_reason", "withdrawn_at", "updated_at"])
    audit.record(actor=by, action="variant.mark_withdrawn", target=variant,
                 changes={"status": [before, variant.get_status_display()], "reason": text})  # fmt: skip
    _settle_item(variant.item, by=by)
    return variant
