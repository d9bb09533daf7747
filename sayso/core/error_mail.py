"""Server errors mailed to the administrators (``ADMINS``, from ``SAYSO_ADMINS``) without
holding up the request that failed: the logging handler puts the record on a queue and a
thread of the process sends it with Django's ``AdminEmailHandler`` (the standard library's
``QueueHandler``/``QueueListener`` pair). Nothing is sent when ``ADMINS`` is empty."""

from __future__ import annotations

import atexit
import contextlib
import logging
import queue
from logging.handlers import QueueHandler, QueueListener

from django.utils.log import AdminEmailHandler

_listener: QueueListener | None = None


def queued_admin_handler() -> logging.Handler:
    """The handler ``LOGGING`` names for ``django.request`` errors."""
    global _listener
    records: queue.Queue[logging.LogRecord] = queue.Queue(maxsize=1000)
    sender = AdminEmailHandler(include_html=False)
    _listener = QueueListener(records, sender, respect_handler_level=False)
    _listener.start()
    atexit.register(_listener.stop)
    return _QueueHandlerKeepingRequest(records)


class _QueueHandlerKeepingRequest(QueueHandler):
    """``QueueHandler.prepare`` formats the record and drops ``exc_info`` and the ``request``
    attribute; AdminEmailHandler needs both, so the record goes to the queue as it is."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record

    def enqueue(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(queue.Full):  # a storm of errors: the first thousand mailed
            self.queue.put_nowait(record)
