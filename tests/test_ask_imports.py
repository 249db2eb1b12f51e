"""`renewal-bot ask` answers from the FAQ alone: it must not pay for the Telegram stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import contextlib, io, json, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["ask", "how do I check my balance"])
heavy = ("telegram", "apscheduler", "aiosqlite", "httpx", "icalendar", "dateparser")
print(json.dumps({"code": code, "answered": bool(out.getvalue().strip()),
                  "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def test_ask_does_not_import_the_bot_runtime() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "answered": True, "loaded": []}
