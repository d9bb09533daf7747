"""What other apps add to the community's pages, registered in their ``AppConfig.ready`` so
that community imports none of them (docs/architecture.md, "Registries"):

- ``IDEA_PAGE`` (``idea=``, a ``core.sections.PageSections``): an idea's public page — roadmap
  its ``roadmap_items`` and the changelog entries it ``shipped_in``;
- ``SIMILAR_PROBLEMS`` (``organization=``, ``text=``, ``k=``, ``vector=``): what the question
  form shows while someone types, beside similar questions and ideas — status its
  ``incidents``;
- thread targets (``thread_target_register``): what a public comment thread may hang on
  besides an idea — reviews here, roadmap its items and changelog entries;
- link targets (``link_target_register``): what staff may link a question to besides a case or
  an idea — status its incidents.

A getter of a target is ``getter(organization=..., pk=...)`` and answers the object or None;
a kind nobody registered finds nothing, so its page or form answers "not found".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sayso.core.ids import is_object_id
from sayso.core.models import Organization
from sayso.core.sections import PageSections

Getter = Callable[..., Any]

IDEA_PAGE = PageSections("an idea's page", "idea")
SIMILAR_PROBLEMS = PageSections(
    "the question form's similar problems", "organization", "text", "k", "vector"
)

_THREAD_TARGETS: dict[str, Getter] = {}
_LINK_TARGETS: dict[str, Getter] = {}


def thread_target_register(kind: str, getter: Getter) -> None:
    """Comments may hang on ``kind`` (the ``<kind>`` of ``/o/<org>/comments/<kind>/<pk>/``)."""
    _THREAD_TARGETS[kind] = getter


def thread_target_get(kind: str, *, organization: Organization, pk: Any) -> Any:
    """The object of ``kind`` with ``pk`` in ``organization`` that comments may hang on, or
    None (an unknown kind, an id out of range, nothing there)."""
    return _target(_THREAD_TARGETS, kind, organization, pk)


def link_target_register(kind: str, getter: Getter) -> None:
    """Staff may link a question to ``kind`` (the ``action`` of the question's link form)."""
    _LINK_TARGETS[kind] = getter


def link_target_get(kind: str, *, organization: Organization, pk: Any) -> Any:
    """The object of ``kind`` with ``pk`` in ``organization`` a question may be linked to, or
    None."""
    return _target(_LINK_TARGETS, kind, organization, pk)


def _target(table: dict[str, Getter], kind: str, organization: Organization, pk: Any) -> Any:
    getter = table.get(kind)
    if getter is None or not is_object_id(pk):
        return None
    return getter(organization=organization, pk=int(pk))
