"""``sayso reseal-credentials``: the operator's step of a key rotation seals every stored
source credential with the newest key, and names the ones no configured key opens."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from sayso.core.encryption import seal
from sayso.listening.models import Source
from sayso.listening.services import source_create

pytestmark = pytest.mark.django_db


def _source(org: Any, name: str, credential: str) -> Source:
    source = source_create(
        organization=org, name=name, kind="mastodon", url="https://social.example", queries="x"
    )
    Source.objects.filter(pk=source.pk).update(credential=seal(credential))
    return Source.objects.get(pk=source.pk)


def test_a_rotation_reseals_every_credential_and_the_old_key_can_then_go(
    org: Any, other_org: Any, settings: Any
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SAYSO_ENCRYPTION_KEY = old
    ours, theirs = _source(org, "Ours", "token-ours-1234"), _source(other_org, "Theirs", "token-2")

    settings.SAYSO_ENCRYPTION_KEY = f"{new},{old}"
    out = StringIO()
    call_command("reseal_credentials", stdout=out)
    assert "2 credential(s) sealed with the newest key" in out.getvalue()

    settings.SAYSO_ENCRYPTION_KEY = new  # the old key dropped
    assert Source.objects.get(pk=ours.pk).credential_value() == "token-ours-1234"
    assert Source.objects.get(pk=theirs.pk).credential_value() == "token-2"


def test_a_credential_no_key_opens_is_left_as_it_is_and_named(org: Any, settings: Any) -> None:
    lost, kept = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SAYSO_ENCRYPTION_KEY = lost
    orphan = _source(org, "Sealed with a lost key", "gone")
    settings.SAYSO_ENCRYPTION_KEY = kept
    fine = _source(org, "Fine", "token-fine")
    sealed_before = orphan.credential

    out = StringIO()
    with pytest.raises(CommandError, match="Sealed with a lost key"):
        call_command("reseal_credentials", stdout=out)
    assert "1 credential(s) sealed" in out.getvalue()
    assert Source.objects.get(pk=orphan.pk).credential == sealed_before
    assert Source.objects.get(pk=fine.pk).credential_value() == "token-fine"
