"""`mediadesk run`: serve the web app (gunicorn) and one background worker until Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动网页服务与后台任务进程（Ctrl-C 结束）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="只启动网页服务")

    def handle(self, *args: Any, **opts: Any) -> None:
        web = [
            sys.executable, "-m", "gunicorn", "mediadesk.config.wsgi:application",
            "--bind", f"{opts['host']}:{opts['port']}",
            "--workers", str(opts["web_workers"]),
            "--no-control-socket",
            "--access-logfile", "-",
        ]  # fmt: skip
        procs = [subprocess.Popen(web)]  # noqa: S603
        if not opts["no_worker"]:
            procs.append(subprocess.Popen([sys.executable, "-m", "mediadesk.cli", "worker"]))
        self.stdout.write(
            f"MediaDesk 正在运行：http://{opts['host']}:{opts['port']}/  （Ctrl-C 结束）"
        )
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if not stopping:
            sys.exit("有进程意外退出，已停止全部服务")
