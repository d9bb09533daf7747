"""`sayso index rebuild` and `sayso index status`."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sayso.intelligence.embeddings import embed
from sayso.intelligence.index import embedded as index_embedded
from sayso.intelligence.index import vector_pg
from sayso.intelligence.models import EmbeddedItem
from tests import factories


@pytest.fixture(autouse=True)
def fresh_index() -> Any:
    embed(["warm up"])
    index_embedded.forget()
    vector_pg.forget()
    yield
    index_embedded.forget()


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("index", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_rebuild_embeds_cases_and_messages_with_a_progress_bar(org: Any, other_org: Any) -> None:
    for n in range(3):
        factories.make_case(org, subject=f"Problem {n}", body=f"Something broke, take {n}.")
    factories.make_case(other_org, subject="Elsewhere", body="Not this organization.")
    out, err = run("rebuild", "--org", org.slug)
    assert "haulright case: 100%" in err and "haulright message: 100%" in err
    assert "3/3" in err
    assert "haulright case: 3 items" in out and "3 embedded" in out
    assert "haulright message: 3 items" in out
    assert not EmbeddedItem.objects.filter(organization=other_org).exists()
    out, _ = run("rebuild", "--org", org.slug, "--kind", "case", "--quiet")
    assert "0 embedded" in out and "3 unchanged" in out


def test_status_lists_each_kind_with_its_backend(org: Any) -> None:
    factories.make_case(org, subject="Dent", body="There is a dent in the door.")
    run("rebuild", "--org", org.slug, "--kind", "case", "--quiet")
    out, _ = run("status", "--org", org.slug)
    lines = {line.split()[1]: line.split() for line in out.splitlines()[1:]}
    backend = "pgvector" if vector_pg.enabled() else "exact"
    assert lines["case"][2] == backend and lines["case"][3] == "1"
    assert lines["idea"][2:4] == (["pgvector", "0"] if backend == "pgvector" else ["none", "0"])
    if connection.vendor != "postgresql":
        assert lines["case"][7] == "0"  # the snapshot is current


def test_unknown_organization_is_an_error(db: Any) -> None:
    with pytest.raises(CommandError, match="No organization"):
        run("rebuild", "--org", "nobody")
