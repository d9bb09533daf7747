"""`sayso index`: the similar-item index from the command line.

sayso index rebuild [--org SLUG] [--kind KIND] [--force]   re-embed changed texts, rewrite
sayso index status [--org SLUG] [--kind KIND]             backend, items, snapshot per kind
sayso index persist [--org SLUG] [--kind KIND]            write the embedded snapshot now
sayso index enable-pgvector                               add pgvector's column and indexes
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from sayso.core.models import Organization
from sayso.intelligence.index import services, vector_pg
from sayso.intelligence.index.selectors import index_status
from sayso.intelligence.index.sources import get_source, registered_kinds
from sayso.intelligence.models import ItemKind


class Command(BaseCommand):
    help = "Rebuild, inspect or persist the similar-item index."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        for name, text in [
            ("rebuild", "Re-embed changed texts from their sources and rewrite the index."),
            ("status", "Show the backend, item counts and snapshot of each index."),
            ("persist", "Write the embedded index's snapshot now."),
        ]:
            sub = actions.add_parser(name, help=text)
            sub.add_argument("--org", dest="org", default="", help="organization slug (all)")
            sub.add_argument(
                "--kind", dest="kind", default="", choices=["", *ItemKind.values], help="(all)"
            )
            if name == "rebuild":
                sub.add_argument(
                    "--force", action="store_true", help="embed every text, changed or not"
                )
                sub.add_argument("--quiet", action="store_true", help="no progress bar")
        actions.add_parser("enable-pgvector", help="Create pgvector's column and HNSW indexes.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "enable-pgvector":
            if vector_pg.enable():
                self.stdout.write("pgvector is enabled; run `sayso index rebuild` to fill it.")
                return
            raise CommandError("pgvector could not be enabled (see the log).")
        organizations = self._organizations(options.get("org") or "")
        if action == "rebuild":
            kinds = [options["kind"]] if options.get("kind") else registered_kinds()
            for organization in organizations:
                for kind in kinds:
                    self._rebuild(organization, kind, options)
        elif action == "persist":
            kinds = [options["kind"]] if options.get("kind") else ItemKind.values
            for organization in organizations:
                for kind in kinds:
                    marker = services.index_persist(organization=organization, kind=kind)
                    where = f"{marker.backend}, {marker.count} items" if marker else "pgvector"
                    self.stdout.write(f"{organization.slug} {kind}: {where}")
        else:
            self._status(organizations, options.get("kind") or "")

    def _organizations(self, slug: str) -> list[Organization]:
        if not slug:
            return list(Organization.objects.order_by("id"))
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization “{slug}”.")
        return [organization]

    def _rebuild(self, organization: Organization, kind: str, options: dict[str, Any]) -> None:
        source = get_source(kind)
        total = source.count(organization) if source and source.count else None
        stream = getattr(self.stderr, "_out", sys.stderr)
        with tqdm(
            total=total,
            unit="item",
            desc=f"{organization.slug} {kind}",
            file=stream,
            disable=options.get("quiet", False),
            mininterval=0.2,
        ) as bar:
            result = services.index_rebuild(
                organization=organization,
                kind=kind,
                force=options.get("force", False),
                progress=bar.update,
            )
        counts = result.counts
        self.stdout.write(
            f"{organization.slug} {kind}: {result.items} items ({result.backend}); "
            f"{counts.embedded} embedded, {counts.updated} updated, "
            f"{counts.unchanged} unchanged, {counts.removed} removed"
        )

    def _status(self, organizations: list[Organization], kind: str) -> None:
        header = f"{'organization':<20} {'kind':<9} {'backend':<9} {'items':>9} "
        header += f"{'removed':>8} {'generation':>10} {'snapshot':>9} {'behind':>7} {'MB':>8}"
        self.stdout.write(header)
        for organization in organizations:
            for line in index_status(organization=organization, kinds=[kind] if kind else None):
                snapshot = "-" if line.snapshot_generation is None else line.snapshot_generation
                behind = "-" if line.behind is None else line.behind
                self.stdout.write(
                    f"{line.organization:<20} {line.kind:<9} {line.backend:<9} {line.items:>9} "
                    f"{line.removed:>8} {line.generation:>10} {snapshot!s:>9} {behind!s:>7} "
                    f"{line.snapshot_bytes / 2**20:>8.1f}"
                )
