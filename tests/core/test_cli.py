from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def test_sayso_command_runs_django_and_sayso_commands(tmp_path: Path) -> None:
    sayso = Path(sys.executable).with_name("sayso")
    if not sayso.exists():
        pytest.skip("the sayso console script is not installed in this environment")
    env = {"SAYSO_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([str(sayso), "help"], capture_output=True, text=True, env=env)
    assert result.returncode == 0
    for command in ("migrate", "runserver", "createsuperuser", "demo", "worker", "tick"):
        assert command in result.stdout
    check = subprocess.run([str(sayso), "check"], capture_output=True, text=True, env=env)
    assert check.returncode == 0, check.stderr
