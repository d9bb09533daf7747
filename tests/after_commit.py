"""Run what a request or service leaves for after commit (queued mail, tasks) inside a test's
transaction, as the real commit would: ``with after_commit(): client.post(...)``."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from django.test import TestCase


def after_commit() -> AbstractContextManager[Any]:
    return TestCase.captureOnCommitCallbacks(execute=True)
