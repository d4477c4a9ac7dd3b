"""The planning app plugs its menu, URLs, API, permissions, home cards and demo into the shell."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "mediadesk.planning"
    label = "planning"
    verbose_name = "目标与计划"

    def ready(self) -> None:
        from mediadesk.planning import jobs, metrics, plug, signals  # noqa: F401

        metrics.load()
        plug.register()


def visible(user: Any) -> bool:
    from mediadesk.core import scopes
    from mediadesk.planning import perms

    return bool(getattr(user, "is_authenticated", False) and scopes.has_perm(user, perms.VIEW))
