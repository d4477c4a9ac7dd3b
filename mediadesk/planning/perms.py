"""Permission codes of the planning app (granted through core.registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

VIEW = "planning.view"  # goals, tasks, agenda in scope
EDIT = "planning.edit"  # create/edit goals and key results, enter manual values

LABELS = {VIEW: _("查看目标与任务"), EDIT: _("制定目标、录入手工指标")}
