"""The Q&A reads under their old module name, for the callers in other apps (the API, the
conversations and status pages): everything lives in ``sayso.community.qa``; new code imports
that."""

from sayso.community.qa import *  # noqa: F403
from sayso.community.qa import __all__ as __all__
