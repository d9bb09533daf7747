"""``sayso listen``: poll the listening sources from the command line.

sayso listen --once            every enabled source once, with a progress bar
sayso listen                   keep polling each source when it is due (Ctrl-C stops)
sayso listen --once --org acme --source "Sam's blog"

It prints one line per polled source (fetched, new, duplicates, errors, and how long it took)
and, with ``--once``, one line of totals. The progress bar is drawn only on a terminal: written
to a log or a pipe, a bar redrawn after every source would be one more line each time. The
HTTP clients' own per-request lines (httpx) are not logged below WARNING (settings.LOGGING).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from time import monotonic
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sayso.core.models import Organization
from sayso.listening.models import Source, SourceKind
from sayso.listening.services import PollResult, sources_due, sources_poll


class Command(BaseCommand):
    help = "Poll the listening sources (RSS/Atom, Mastodon, Bluesky) and ingest new items."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Poll every source once, then stop."
        )
        parser.add_argument("--org", help="Only this organization (its slug).")
        parser.add_argument("--source", help="Only the source with this name.")
        parser.add_argument(
            "--interval",
            type=float,
            default=15.0,
            help="Without --once: seconds between looks for due sources (default 15).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = None
        if options["org"]:
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None:
                raise CommandError(f"No organization with the slug “{options['org']}”.")
        sources = Source.objects.filter(enabled=True).exclude(kind=SourceKind.WIDGET)
        if organization is not None:
            sources = sources.filter(organization=organization)
        if options["source"]:
            sources = sources.filter(name__iexact=options["source"])
            if not sources.exists():
                raise CommandError(f"No enabled source named “{options['source']}”.")
        if options["once"]:
            self._once(list(sources.select_related("organization").order_by("id")), options)
            return
        self.stdout.write("Listening; Ctrl-C stops.")
        ids = set(sources.values_list("id", flat=True))
        try:
            while True:
                due = [i for i in sources_due(organization=organization) if i in ids]
                for source, result, seconds in _timed(sources_poll(due, claim=True)):
                    self._report(result, source, seconds)
                time.sleep(options["interval"])
                ids = set(sources.values_list("id", flat=True))
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def _once(self, sources: list[Source], options: dict[str, Any]) -> None:
        if not sources:
            self.stdout.write("No enabled sources to poll.")
            return
        failed = 0
        totals = {"stored": 0, "known": 0, "failed": 0, "joined": 0, "opened": 0}
        started = monotonic()
        bar = tqdm(
            total=len(sources),
            desc="Listening",
            unit="source",
            # Only on a terminal, where it is redrawn in place; in a log each redraw is a line.
            disable=options["no_progress"] or not self.stderr.isatty(),
            file=self.stderr,
        )
        # The next source is fetched while the one before is stored (sources_poll).
        polled = sources_poll([source.pk for source in sources])
        for source, result, seconds in _timed(polled):
            bar.update(1)
            bar.set_postfix_str(source.name[:30])
            failed += not result.ok
            for key in totals:
                totals[key] += getattr(result.report, key)
            self._report(result, source, seconds, bar=bar)
        bar.close()
        self.stdout.write(
            f"{len(sources)} source(s) polled, {failed} failed; {totals['stored']} new item(s) "
            f"stored, {totals['known']} duplicate(s), {totals['failed']} error(s); "
            f"{totals['joined']} joined an open case, {totals['opened']} opened a case; "
            f"{monotonic() - started:.1f}s."
        )
        if failed == len(sources):
            raise CommandError("Every source failed.")

    def _report(self, result: PollResult, source: Source, seconds: float, bar: Any = None) -> None:
        """One line for one source: what came, what was new, what was known, what failed."""
        if bar is not None:
            bar.clear()
        write = self.stdout.write
        if result.ok:
            r = result.report
            write(
                f"{source.name}: {r.fetched} fetched, {r.stored} new, {r.known} duplicate(s), "
                f"{r.failed} error(s) in {seconds:.1f}s "
                f"({r.joined} joined, {r.opened} opened, {r.kept} kept, {r.spam} spam; "
                f"{r.unmatched} mention none of the terms)"
                + (" (not modified)" if result.not_modified else "")
            )
        else:
            write(self.style.ERROR(f"{source.name}: failed in {seconds:.1f}s: {result.error}"))
        if bar is not None:
            bar.refresh()


def _timed(
    polled: Iterator[tuple[Source, PollResult]],
) -> Iterator[tuple[Source, PollResult, float]]:
    """Each polled source with the seconds since the one before it was done (the next source is
    fetched while the one before is stored, so this is its share of the wall time)."""
    since = monotonic()
    for source, result in polled:
        now = monotonic()
        yield source, result, now - since
        since = monotonic()
