"""A manager's export of a large customer is built in the background: the customer page shows
its progress, then a download link for staff only; a small one downloads at once."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.test import override_settings

from sayso.core.models import Role
from sayso.privacy import registry, services
from sayso.privacy.models import ExportStatus, PersonalDataExport
from tests.factories import make_member
from tests.privacy.conftest import Seeded, portal_client, staff_client

pytestmark = pytest.mark.django_db


def test_a_large_staff_export_runs_in_the_background_with_progress(
    seeded: Seeded, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    manager = staff_client(seeded.manager)
    page_url = f"/staff/haulright/customers/{seeded.dana.pk}/"
    export_url = f"/staff/haulright/privacy/customers/{seeded.dana.pk}/export/"
    with (
        override_settings(SAYSO_EXPORT_SYNC_MAX_MESSAGES=1),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        response = manager.post(export_url)
    assert response.status_code == 302 and response["Location"] == page_url
    export = PersonalDataExport.objects.get(customer=seeded.dana)
    assert export.status == ExportStatus.PREPARING and not export.by_customer
    assert export.by_user == seeded.manager
    page = manager.get(page_url).content.decode()
    assert 'data-testid="staff-export-preparing"' in page and "0%" in page
    # The customer's My data does not show staff's export, nor can they download it.
    dana = portal_client(seeded.org, seeded.dana)
    mine = dana.get("/o/haulright/my/data/").content.decode()
    assert 'data-testid="export-preparing"' not in mine
    assert dana.get(f"/o/haulright/my/data/exports/{export.pk}/").status_code == 404

    # While the worker builds it, each section's progress is written where the page reads it.
    seen: list[tuple[int, str]] = []

    def probe(customer: Any) -> list[Any]:
        row = PersonalDataExport.objects.get(pk=export.pk)
        seen.append((row.progress, row.step))
        return []

    monkeypatch.setitem(
        registry._providers, "probe", registry.Provider("probe", probe, None, 1, "Probe")
    )
    for callback in callbacks:
        callback()
    assert seen and 0 < seen[0][0] < 100 and seen[0][1] == "Probe"
    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.progress == 100 and export.size > 0
    page = manager.get(page_url).content.decode()
    assert 'data-testid="staff-export-ready"' in page
    download_url = f"/staff/haulright/privacy/customers/{seeded.dana.pk}/exports/{export.pk}/"
    assert download_url in page
    download = manager.get(download_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert "personal-data.json" in zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    # Agents may not; another customer's page does not hand it out.
    agent = staff_client(make_member(seeded.org, Role.AGENT).user)
    assert agent.get(download_url).status_code == 403
    other = f"/staff/haulright/privacy/customers/{seeded.bob.pk}/exports/{export.pk}/"
    assert manager.get(other).status_code == 404


def test_a_small_staff_export_downloads_at_once(seeded: Seeded) -> None:
    response = staff_client(seeded.manager).post(
        f"/staff/haulright/privacy/customers/{seeded.dana.pk}/export/"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert not PersonalDataExport.objects.exists()


def test_progress_is_told_section_by_section(seeded: Seeded) -> None:
    steps: list[tuple[int, int, str]] = []
    services.export_archive(customer=seeded.dana, progress=lambda *a: steps.append(a))
    titles = [provider.title for provider in registry.providers()]
    assert [step for _, _, step in steps] == [*titles, "Messages and contact card"]
    assert [done for done, _, _ in steps[:-1]] == list(range(len(titles)))
