"""`.ci/run` (issue #13.6): two test steps, pytest's "no tests" (exit 5) is not a failure,
and uv gets installed even where the system Python refuses pip installs. Run with
stand-in `python3`/`uv` programs on PATH, so nothing is downloaded."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from conftest import ROOT
from timing import scaled

CI_RUN = ROOT / ".ci" / "run"


def program(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def fake_uv(bin_dir: Path, log: Path, exit_codes: str) -> None:
    """A uv that logs its arguments and exits with the next code of `exit_codes`."""
    program(
        bin_dir / "uv",
        f"""echo "$*" >> {log}
[ "$1" = "--version" ] && exit 0
n=$(grep -c pytest {log})
code=$(echo "{exit_codes}" | cut -d' ' -f"$n")
exit "${{code:-0}}"
""",
    )


def run_ci(bin_dir: Path, home: Path, **env: str) -> subprocess.CompletedProcess:
    path = f"{bin_dir}:/usr/bin:/bin"
    return subprocess.run(
        ["bash", str(CI_RUN)],
        env={"PATH": path, "HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=scaled(30),
    )


def test_two_steps_and_no_tests_is_not_a_failure(tmp_path: Path):
    bin_dir, log = tmp_path / "bin", tmp_path / "uv.log"
    bin_dir.mkdir()
    fake_uv(bin_dir, log, "0 5")
    result = run_ci(bin_dir, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    steps = [line for line in log.read_text().splitlines() if "pytest" in line]
    assert steps == ["run pytest -m not subprocess", "run pytest -m subprocess"]


def test_a_failing_step_fails_the_run(tmp_path: Path):
    bin_dir, log = tmp_path / "bin", tmp_path / "uv.log"
    bin_dir.mkdir()
    fake_uv(bin_dir, log, "1 0")
    assert run_ci(bin_dir, tmp_path).returncode == 1


def test_uv_is_installed_in_a_venv_when_pip_is_externally_managed(tmp_path: Path):
    """pip and pip --user refuse, pipx fails: the throw-away venv gets uv."""
    bin_dir, log, venv = tmp_path / "bin", tmp_path / "uv.log", tmp_path / "uv-venv"
    bin_dir.mkdir()
    program(
        bin_dir / "python3",
        f"""if [ "$1 $2" = "-m pip" ]; then
  echo "error: externally-managed-environment" >&2; exit 1
fi
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin"
  printf '#!/bin/sh\\ncp {tmp_path}/uv.real "$(dirname "$0")/uv"\\n' > "$3/bin/pip"
  chmod +x "$3/bin/pip"; exit 0
fi
exit 3
""",
    )
    program(bin_dir / "pipx", "exit 1\n")  # present but failing, and never the real one
    fake_uv(tmp_path, log, "0 0")
    (tmp_path / "uv").rename(tmp_path / "uv.real")
    result = run_ci(bin_dir, tmp_path, UV_VENV=str(venv))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (venv / "bin" / "uv").exists()
    assert sum("pytest" in line for line in log.read_text().splitlines()) == 2
    assert os.access(CI_RUN, os.X_OK)
