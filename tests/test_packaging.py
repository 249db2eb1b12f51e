"""The wheel is a working bot on its own: built, installed into a fresh virtualenv and
run from a folder far from the checkout, `renewal-bot ask` answers from the content it
carries (before, content/ was left out and `ask` failed with "file not found")."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

UV = shutil.which("uv")


def run(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_installed_wheel_answers_from_any_folder(tmp_path: Path) -> None:
    assert UV is not None, "uv builds and installs the wheel (the README's and CI's tool)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    env.update(UV_PYTHON_DOWNLOADS="never", UV_PYTHON=sys.executable)
    dist = tmp_path / "dist"
    built = run(UV, "build", "--wheel", "--out-dir", dist, ROOT, cwd=tmp_path, env=env)
    assert built.returncode == 0, built.stderr
    [wheel] = dist.glob("renewal_bot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/_content/categories.yaml" in names
    assert not any(n.startswith("content/") for n in names)  # no top-level `content` package

    venv = tmp_path / "venv"
    made = run(UV, "venv", "--python", sys.executable, venv, cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    installed = run(
        UV, "pip", "install", "--python", venv / "bin" / "python", wheel, cwd=tmp_path, env=env
    )
    assert installed.returncode == 0, installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cli = venv / "bin" / "renewal-bot"
    asked = run(cli, "ask", "how do I renew my eSIM", cwd=elsewhere, env=env)
    assert asked.returncode == 0, asked.stderr
    assert "eSIM" in asked.stdout and "<b>" not in asked.stdout
    checked = run(cli, "check-content", cwd=elsewhere, env=env)
    assert checked.returncode == 0 and "content OK" in checked.stdout, checked.stderr
