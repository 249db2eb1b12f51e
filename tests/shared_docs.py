"""Where the team's read-only documents (../shared) are, for tests that check content against them.

The main checkout sits beside `shared/`; a worktree under `wt/` sits one level deeper.
Locally a test that needs them skips with a reason when they are absent; on CI
(env CI=true) it fails instead, so a missing fact base can never pass silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CANDIDATES = (REPO.parent / "shared", REPO.parent.parent / "shared")
if os.environ.get("SHARED_DIR"):
    CANDIDATES = (Path(os.environ["SHARED_DIR"]), *CANDIDATES)


def shared_file(relative: str) -> Path:
    for root in CANDIDATES:
        path = root / relative
        if path.exists():
            return path
    reason = f"../shared/{relative} is not beside the repo"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)
