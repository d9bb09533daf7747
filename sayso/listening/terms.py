"""What the organization listens for: brand, product and competitor names, and handles.

A term matches as a whole word, in any case ("Haulright" matches "haulright's" but not
"haulrighteous"); handles match with or without their leading "@".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sayso.core.models import Organization
from sayso.listening.models import ListenTerm, TermKind


@dataclass(frozen=True)
class Terms:
    pattern: re.Pattern[str] | None
    spelled: dict[str, str] = field(default_factory=dict)  # casefolded → as written
    kinds: dict[str, str] = field(default_factory=dict)  # casefolded → TermKind

    @property
    def empty(self) -> bool:
        return self.pattern is None

    @property
    def competitors(self) -> list[str]:
        return [self.spelled[k] for k, kind in self.kinds.items() if kind == TermKind.COMPETITOR]

    def match(self, text: str) -> list[str]:
        """The terms ``text`` mentions, as the organization wrote them, each once."""
        if self.pattern is None or not text:
            return []
        found: dict[str, None] = {}
        for hit in self.pattern.finditer(text):
            key = hit.group(1).casefold().lstrip("@")
            if key in self.spelled:
                found[self.spelled[key]] = None
        return list(found)

    def of_kind(self, names: list[str], kind: str) -> list[str]:
        return [n for n in names if self.kinds.get(n.casefold().lstrip("@")) == kind]


def compile_terms(pairs: list[tuple[str, str]]) -> Terms:
    """``pairs`` are (kind, term)."""
    spelled: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for kind, term in pairs:
        key = term.strip().casefold().lstrip("@")
        if key and key not in spelled:
            spelled[key] = term.strip()
            kinds[key] = kind
    if not spelled:
        return Terms(None)
    alternatives = "|".join(re.escape(k) for k in sorted(spelled, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w@])@?({alternatives})(?![\w-]|@\w)", re.IGNORECASE)
    return Terms(pattern, spelled, kinds)


def terms_for(*, organization: Organization) -> Terms:
    pairs = list(ListenTerm.objects.filter(organization=organization).values_list("kind", "term"))
    return compile_terms([(str(k), str(t)) for k, t in pairs])
