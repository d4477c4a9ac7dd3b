"""Run every benchmark against a throw-away database and print the figures.

SQLite by default (var/bench/bench.sqlite3); set BENCH_DATABASE_URL to a PostgreSQL URL to
measure there. Sizes scale with BENCH_SCALE (1.0 = the figures the closing notes quote).
`python -m bench compliance leads` runs only the named modules.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The landed modules first, then every other bench/<name>.py a capability adds, by name.
FIRST = ["foundation", "compliance", "content_calendar", "analytics", "leads"]
HELPERS = {"__init__", "__main__", "timing"}
MODULES = FIRST + sorted(
    p.stem for p in Path(__file__).parent.glob("*.py") if p.stem not in HELPERS | set(FIRST)
)


def main() -> None:
    bench_dir = ROOT / "var" / "bench"
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        shutil.rmtree(bench_dir, ignore_errors=True)
        bench_dir.mkdir(parents=True)
        url = f"sqlite:///{bench_dir / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediadesk.config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "*")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"MediaDesk benchmarks on {url.split('://')[0]} · Python {sys.version.split()[0]}")
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    for name in sys.argv[1:] or MODULES:
        if name not in MODULES:
            sys.exit(f"unknown benchmark {name!r}; choose from {', '.join(MODULES)}")
        importlib.import_module(f"bench.{name}").run(scale=scale)


if __name__ == "__main__":
    main()
