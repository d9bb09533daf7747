"""The helpers that read settings from the environment (sayso/settings.py) take the values
they document and stop the start with ImproperlyConfigured on anything else: a typo in
SAYSO_DEBUG or a port is a configuration error, not a silent False or a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from sayso.settings import env_bool, env_int, env_secret

NAME = "SAYSO_TEST_SETTING"


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "Yes", " on "])
def test_env_bool_reads_the_words_for_yes(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "OFF"])
def test_env_bool_reads_the_words_for_no(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, True) is False


def test_env_bool_unset_or_empty_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    assert env_bool(NAME, True) is True
    monkeypatch.setenv(NAME, "  ")
    assert env_bool(NAME, True) is True


@pytest.mark.parametrize("raw", ["ture", "y", "enabled", "2"])
def test_env_bool_refuses_a_word_it_does_not_know(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_bool(NAME, False)


def test_env_int_reads_a_whole_number_and_refuses_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(NAME, " 42 ")
    assert env_int(NAME, 7) == 42
    monkeypatch.setenv(NAME, "")
    assert env_int(NAME, 7) == 7
    for raw in ("4.5", "ten", "10s"):
        monkeypatch.setenv(NAME, raw)
        with pytest.raises(ImproperlyConfigured, match=NAME):
            env_int(NAME, 7)


def test_env_secret_from_a_file_that_cannot_be_read_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret))
    assert env_secret(NAME) == "s3cret"
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match=f"{NAME}_FILE"):
        env_secret(NAME)
