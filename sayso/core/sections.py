"""What other apps show on a page, without the page's app importing them.

A page of a lower app that shows what a higher app holds (the staff case page lists the case's
status incidents and community questions; a customer's page lists their cases) declares a
``PageSections`` in its app, naming the arguments its providers get. The higher app registers a
provider per context name in its ``AppConfig.ready``; the view adds
``page.context(argument=...)`` to its template context. A name nobody registered is absent,
which the templates read as "nothing to show".

    # sayso/conversations/sections.py
    STAFF_CASE = PageSections("the staff case page", "case")
    # sayso/status/apps.py, in ready()
    STAFF_CASE.register("incidents", selectors.incidents_of_case)
    # sayso/conversations/views.py
    context.update(STAFF_CASE.context(case=case))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Provider = Callable[..., Any]


class PageSections:
    def __init__(self, page: str, *arguments: str) -> None:
        self.page = page
        self.arguments = frozenset(arguments)
        self._providers: dict[str, Provider] = {}

    def register(self, name: str, provider: Provider) -> None:
        """``provider(**arguments)`` returns what the template shows as ``name``; a second
        registration of a name replaces the first."""
        if not name.isidentifier():
            raise ValueError(f"A section of {self.page} is a template name, not {name!r}.")
        self._providers[name] = provider

    def names(self) -> list[str]:
        return sorted(self._providers)

    def context(self, **arguments: Any) -> dict[str, Any]:
        """Each registered section, by name, in the order registered."""
        if set(arguments) != self.arguments:
            raise TypeError(
                f"The sections of {self.page} take {sorted(self.arguments)}, "
                f"not {sorted(arguments)}."
            )
        return {name: provider(**arguments) for name, provider in self._providers.items()}
