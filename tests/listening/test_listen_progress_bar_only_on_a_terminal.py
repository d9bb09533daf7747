"""``sayso listen --once`` draws its progress bar when stderr is a terminal, and writes nothing
there when it is not (a log, a pipe); ``--no-progress`` turns it off on a terminal too."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from sayso.listening.services import source_create
from tests import factories
from tests.listening.feeds import atom
from tests.listening.stand_in import Reply, StandIn


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def _listen(stderr: StringIO, *flags: str) -> tuple[str, str]:
    out = StringIO()
    call_command("listen", "--once", *flags, stdout=out, stderr=stderr)
    return out.getvalue(), stderr.getvalue()


@pytest.mark.django_db
def test_the_bar_is_drawn_on_a_terminal_only(stand_in: StandIn) -> None:
    entries = [{"id": "urn:1", "title": "Post", "html": "<p>Haulright was late.</p>"}]
    stand_in.route("/feed", Reply(body=atom(entries), headers={"Content-Type": "text/xml"}))
    org = factories.make_org()
    for name in ("One", "Two"):
        source_create(organization=org, name=name, kind="rss", url=f"{stand_in.url}/feed")

    out, err = _listen(StringIO())
    assert err == ""
    assert len(out.splitlines()) == 3  # a line per source, one of totals

    out, err = _listen(Terminal())
    assert "Listening" in err and "2/2" in err
    assert len(out.splitlines()) == 3

    out, err = _listen(Terminal(), "--no-progress")
    assert err == ""
    assert len(out.splitlines()) == 3
