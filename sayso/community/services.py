"""The community's writes under their old module name, for the callers in other apps (the API,
roadmap, status, the spam filter, the demo): ideas, votes and comments live in
``sayso.community.ideas``, hiding and reports in ``sayso.community.moderation``; new code
imports those."""

from sayso.community.common import digest
from sayso.community.ideas import *  # noqa: F403
from sayso.community.ideas import __all__ as _ideas
from sayso.community.moderation import (
    HideReason,
    flag_create,
    hidden_set,
    hide_action,
    hide_reason,
    restore_reason,
    staff_role,
)

__all__ = [
    *_ideas,
    "HideReason",
    "digest",
    "flag_create",
    "hidden_set",
    "hide_action",
    "hide_reason",
    "restore_reason",
    "staff_role",
]
