"""Tasks for the task-engine tests: each leaves its traces in files under a directory it is
given, so a test (and a worker in another process) can see which attempt did what."""

from __future__ import annotations

import time
from pathlib import Path

from sayso.core.task_engine import sayso_task


def _note(directory: str, name: str, line: str) -> None:
    with (Path(directory) / name).open("a", encoding="utf-8") as f:
        f.write(f"{line}\n")


@sayso_task(queue="default", max_attempts=3, backoff=1, backoff_max=1)
def wait_for_release(directory: str) -> str:
    """Note the start of an attempt, wait until ``release`` exists, then note the effect
    once (``done``): an attempt killed while waiting leaves a start and no effect."""
    _note(directory, "started", str(time.time()))
    while not (Path(directory) / "release").exists():
        time.sleep(0.05)
    _note(directory, "done", str(time.time()))
    return "done"


@sayso_task(queue="default", max_attempts=3, backoff=1, backoff_max=60)
def always_fails(directory: str, organization_id: int | None = None) -> None:
    """Note each attempt's time, then fail."""
    _note(directory, "attempts", str(time.time()))
    raise RuntimeError("the receiving service said no")


@sayso_task(queue="email", max_attempts=2, backoff=0)
def fails_fast(directory: str, organization_id: int | None = None) -> None:
    """Note the attempt and fail, with no back-off (for single-process tests)."""
    _note(directory, "attempts", str(time.time()))
    raise RuntimeError("the receiving service said no")
