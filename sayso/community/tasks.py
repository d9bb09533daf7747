"""Background work of the community (thin: ids in, services do the work).

A task that a service enqueues lives with that service (``deliver_notices`` with
``following.notices.announce``), so that no service imports this module back; it is
re-exported here under the path it always had. This module depends on the services, never the
other way round.
"""

from __future__ import annotations

from sayso.community.following import digests_send
from sayso.community.following.notices import deliver_notices
from sayso.core.task_engine import sayso_task

__all__ = ["deliver_notices", "send_digests"]


@sayso_task(queue="email", max_attempts=3, backoff=60, periodic=True)
def send_digests() -> int:
    """community.send_digests: the daily digests that are due (periodic)."""
    return digests_send()
