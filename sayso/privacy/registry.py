"""The personal-data providers: each app that holds something about a customer registers what
it collects for "what you know about me" (and the export) and how it erases it.

A provider's ``collect(customer)`` returns a JSON-ready value (a list of records or a dict) for
its section of the export; ``erase(customer, context)`` removes or anonymizes what it holds and
returns counts per kind of record (no content). Erasure runs the providers in registration
order inside one transaction (``privacy.services.erasure_perform``), then a generic scrub.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sayso.customers.models import Customer


@dataclass
class ErasureContext:
    """What every provider's erase step is given: the customers that are one person (the
    customer and those merged into them), the policy for public posts, and the marker text."""

    customers: list[Customer]
    public_posts: str  # "keep" | "remove"
    emails: list[str]
    marker: str = "[erased]"
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def customer_ids(self) -> list[int]:
        return [customer.pk for customer in self.customers]


Collect = Callable[[Customer], Any]
Erase = Callable[[ErasureContext], dict[str, int]]


@dataclass(frozen=True)
class Provider:
    name: str
    collect: Collect
    erase: Erase | None
    schema_version: int
    title: str


_providers: dict[str, Provider] = {}


def provider_register(
    name: str,
    *,
    collect: Collect,
    erase: Erase | None = None,
    schema_version: int = 1,
    title: str = "",
) -> Provider:
    """Register (or replace, on a second registration of the same name) one provider."""
    provider = Provider(
        name=name,
        collect=collect,
        erase=erase,
        schema_version=schema_version,
        title=title or name.replace("_", " ").capitalize(),
    )
    _providers[name] = provider
    return provider


def providers() -> list[Provider]:
    return list(_providers.values())
