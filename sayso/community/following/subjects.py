"""What can be followed: the subjects a follow names (``idea:<id>``, ``ideas``, …).

Each app with followable things registers them in its ``AppConfig.ready`` with
``followable_register``: a whole list of the organization (``ideas``, ``changelog``: the subject
is the kind alone) or one thing by id (``idea:<id>``: how it is found, and who may see it).
``subject_check`` and ``follow_add`` read this registry and import no app's models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model

from sayso.community.models import Idea
from sayso.core.models import Organization


def idea_subject(idea: Idea | int) -> str:
    return f"idea:{idea if isinstance(idea, int) else idea.pk}"


def category_subject(category_id: int) -> str:
    return f"category:{category_id}"


NEW_IDEAS = "ideas"


# Subjects that are a whole list rather than one thing: new ideas, new questions, the
# changelog, the roadmap, the status page.
WHOLE_SUBJECTS = frozenset({NEW_IDEAS, "questions", "changelog", "roadmap", "status"})


@dataclass(frozen=True)
class Followable:
    """A kind of followable subject. ``get`` finds one thing by id in any organization (None
    when there is no such thing; the thing has an ``organization_id``); without it the kind is
    a whole list of the organization, followed as the kind alone. ``visible(thing, customer)``
    says whether that person may see it (everyone when not given)."""

    kind: str
    name: str
    get: Callable[[int], Any] | None = None
    visible: Callable[[Any, Any], bool] | None = None

    @property
    def whole(self) -> bool:
        return self.get is None


_registry: dict[str, Followable] = {}


def followable_register(
    kind: str,
    *,
    name: str,
    model: type[Model] | None = None,
    get: Callable[[int], Any] | None = None,
    visible: Callable[[Any, Any], bool] | None = None,
) -> None:
    """Make ``kind`` followable (see ``Followable``); called from an app's ``AppConfig.ready``.
    ``name`` is what a refusal calls one (``"idea"``); ``model`` finds one by primary key when
    no ``get`` is given."""
    if not kind or ":" in kind:
        raise ValueError(f"A followable kind is a word without a colon, not {kind!r}.")
    if get is None and model is not None:
        manager = model._default_manager

        def get(pk: int) -> Any:
            return manager.filter(pk=pk).first()

    _registry[kind] = Followable(kind=kind, name=name, get=get, visible=visible)


def followables() -> list[Followable]:
    """Every registered kind, whole lists first, by kind."""
    return sorted(_registry.values(), key=lambda f: (not f.whole, f.kind))


def _unknown_kind_text() -> str:
    kinds = ", ".join(f.kind if f.whole else f"{f.kind}:<id>" for f in followables())
    return f"Follow one of {kinds} of this organization."


def subject_refusal(*, organization_id: int, subject: str, customer: Any = None) -> str:
    """Why ``subject`` cannot be followed in the organization by ``customer`` (None: by
    anyone who can see what is public), or "" when it can: an unknown kind or a malformed
    subject, no such thing in this organization (another organization's included), or one
    that person may not see."""
    kind, colon, raw = (subject or "").partition(":")
    found = _registry.get(kind)
    if found is None or found.whole == bool(colon):
        return _unknown_kind_text()
    if found.get is None:
        return ""
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        return f"{subject!r} does not name one {found.name}: give its number, {kind}:<id>."
    thing = found.get(int(raw))
    if thing is None or thing.organization_id != organization_id:
        return f"This organization has no {found.name} {raw} to follow."
    if found.visible is not None and not found.visible(thing, customer):
        return f"This {found.name} is not public: it cannot be followed."
    return ""


def subject_followable(*, organization_id: int, subject: str, customer: Any = None) -> bool:
    """Whether ``subject`` names something of the organization that can be followed (by
    ``customer`` when given)."""
    return not subject_refusal(organization_id=organization_id, subject=subject, customer=customer)


def subject_check(*, organization: Organization, subject: str, customer: Any = None) -> str:
    """``subject`` when it names something of the organization that ``customer`` (when given)
    may follow, else a ValidationError saying why not."""
    refusal = subject_refusal(organization_id=organization.pk, subject=subject, customer=customer)
    if refusal:
        raise ValidationError({"subject": refusal})
    return subject
