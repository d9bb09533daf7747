"""The idea board's reads under their old module name, for the callers in other apps (the API,
roadmap, status and conversations pages): they live in ``sayso.community.ideas`` (the
moderation log in ``sayso.community.moderation``, a customer's follows in
``sayso.community.following``); new code imports those."""

from sayso.community.following import follows_of
from sayso.community.ideas import *  # noqa: F403
from sayso.community.ideas import __all__ as _ideas
from sayso.community.moderation import moderation_log, open_flags

__all__ = [*_ideas, "follows_of", "moderation_log", "open_flags"]
