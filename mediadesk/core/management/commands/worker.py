"""`mediadesk worker`: runs background tasks and claims periodic-job slots."""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from mediadesk.core import context, periodic, workers

log = logging.getLogger(__name__)


def scheduler_loop(stop: threading.Event, *, interval: float, worker_id: str) -> None:
    """Say the worker is alive and claim due periodic slots, every `interval` seconds."""
    while not stop.is_set():
        close_old_connections()
        try:
            workers.beat(worker_id)
            with context.acting_from("task"):
                periodic.tick(worker=worker_id)
        except Exception:
            log.exception("periodic tick failed")
        stop.wait(interval)


class Command(BaseCommand):
    help = "运行后台任务与定时任务（可在多台机器上同时运行多个）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="空闲时轮询任务的间隔（秒）"
        )
        parser.add_argument("--tick", type=float, default=15.0, help="检查定时任务的间隔（秒）")
        parser.add_argument("--batch", action="store_true", help="处理完当前任务后退出")

    def handle(self, *args: Any, **opts: Any) -> None:
        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        stop = threading.Event()
        if not opts["batch"]:  # a batch run (tests, cron) ends by itself: no heartbeat
            workers.beat(worker_id)
            threading.Thread(
                target=scheduler_loop,
                kwargs={"stop": stop, "interval": opts["tick"], "worker_id": worker_id},
                daemon=True,
            ).start()
        worker = Worker(
            queue_names=["*"],
            interval=opts["interval"],
            batch=opts["batch"],
            backend_name="default",
            startup_delay=not opts["batch"],
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        if not opts["batch"]:
            worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
            if not opts["batch"]:
                workers.leave(worker_id)
