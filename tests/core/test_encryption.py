"""sayso.core.encryption: secrets sealed with the newest key, opened with any, re-sealed for a
rotation, masked to a few characters; a missing or malformed key is a configuration error."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from sayso.core.encryption import SecretUnreadable, masked, reseal, seal, unseal


def test_a_rotation_reseals_with_the_new_key(settings: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SAYSO_ENCRYPTION_KEY = old
    token = seal("app-password-1234")
    assert "app-password" not in token and unseal(token) == "app-password-1234"

    settings.SAYSO_ENCRYPTION_KEY = f"{new},{old}"
    assert unseal(token) == "app-password-1234"
    rotated = reseal(token)

    settings.SAYSO_ENCRYPTION_KEY = new  # the old key dropped
    assert unseal(rotated) == "app-password-1234"
    with pytest.raises(SecretUnreadable):
        unseal(token)


def test_masks_show_at_most_four_characters_and_a_quarter() -> None:
    assert masked("") == ""
    assert masked("abc") == "••••"
    assert masked("abcdefgh") == "••••gh"
    assert masked("x2kq-7fhp-3nwd-9vbe") == "••••9vbe"


@pytest.mark.parametrize("key", ["", "not-a-fernet-key"])
def test_a_missing_or_malformed_key_is_a_configuration_error(settings: Any, key: str) -> None:
    settings.SAYSO_ENCRYPTION_KEY = key
    with pytest.raises(ImproperlyConfigured, match="SAYSO_ENCRYPTION_KEY"):
        seal("secret")
