"""The suite's own rules (issue #13.6): ../shared is optional locally, required in CI;
one factor scales every time limit."""

from __future__ import annotations

import pytest
import timing

from tests.shared_docs import shared_file as require_shared


def test_missing_shared_file_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not beside the repo"):
        require_shared("no-such-file.md")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_shared("no-such-file.md")


def test_time_limits_scale_with_one_factor(monkeypatch):
    monkeypatch.setattr(timing, "TIMEOUT_SCALE", 3.0)
    assert timing.scaled(10) == 30.0
