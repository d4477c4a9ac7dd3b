"""Generated tasks: one small module per source; each `sync()` opens and closes its tasks.

Apps merged later add modules here (publish packages and 1-hour checks, live SOP items,
inbox SLAs) and list them in SOURCES.
"""

from __future__ import annotations

import importlib

SOURCES = ("review", "leads", "live")


def sync_all() -> dict[str, object]:
    """Run every generator (periodic job and after the records change)."""
    return {
        name: importlib.import_module(f"mediadesk.planning.generators.{name}").sync()
        for name in SOURCES
    }
