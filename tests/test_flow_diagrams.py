"""The Mermaid diagrams beside the reminder conversations say what the code does:
the same states as each ConversationHandler's table, and a user's run through a
flow only takes transitions the diagram draws."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram.ext import ConversationHandler

from bot.callbacks import (
    CancelFlow,
    LabelIsName,
    LabelIsQuestion,
    PickExpiry,
    PickOperator,
    PickTime,
    RemindSoon,
    SavePlan,
    SaveWithoutReminder,
    SkipLabel,
    StepBack,
    ToggleLead,
)
from bot.handlers import new_date, remind_flow, rename, timezone
from tests.helpers import BotHarness, FakeClock, harness

HANDLERS = Path(remind_flow.__file__).parent
EDGE = re.compile(r"^\s*(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)\s*(?::.*)?$")
START = END = "[*]"


def diagram(name: str) -> set[tuple[str, str]]:
    lines = (HANDLERS / f"{name}.mmd").read_text(encoding="utf-8").splitlines()
    body = [line for line in lines if line.strip() and not line.strip().startswith("%%")]
    assert body[0].strip() == "stateDiagram-v2"
    edges = set()
    for line in body[1:]:
        match = EDGE.match(line)
        assert match, f"{name}.mmd: not a transition: {line!r}"
        edges.add((match[1], match[2]))
    return edges


def states_of(edges: set[tuple[str, str]]) -> set[str]:
    return {s for edge in edges for s in edge} - {START}


def reachable(edges: set[tuple[str, str]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for a, b in edges:
            if a == here and b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


@pytest.mark.parametrize("module", [remind_flow, new_date, rename, timezone])
async def test_diagram_states_are_the_states_table(module, tmp_path: Path) -> None:
    async with harness(tmp_path / "d.sqlite3", FakeClock(datetime(2026, 3, 10, tzinfo=UTC))) as b:
        conv = module.conversation(b.app)
    table = set(conv.states) - {ConversationHandler.TIMEOUT}
    edges = diagram(Path(module.__file__).stem)
    assert states_of(edges) == table
    for state in table:  # every state is reachable, and every state can finish
        assert state in reachable(edges, START)
        assert END in reachable(edges, state) - {START} or (state, END) in edges


def conversation_state(bot: BotHarness, name: str) -> str:
    """The state PTB keeps for this user in the named conversation ([*] when none)."""
    [conv] = [
        h for h in bot.app.handlers[0] if isinstance(h, ConversationHandler) and h.name == name
    ]
    key = (bot.user.chat_id, bot.user.chat_id)
    return conv._conversations.get(key, START)  # PTB has no public getter for a state


async def test_runs_take_only_drawn_transitions(tmp_path: Path) -> None:
    edges = diagram("remind_flow")
    clock = FakeClock(datetime(2026, 3, 10, 5, 0, tzinfo=UTC))
    steps = [
        ("say", "/remind"),
        ("say", "what?"),
        ("press", PickOperator("smart").pack()),
        ("say", "x" * 65),
        ("say", "Monthly"),
        ("say", "05/06"),
        ("press", PickExpiry(2026, 5, 6).pack()),
        ("press", ToggleLead(7).pack()),
        ("press", PickTime(20, 0).pack()),
        ("say", "7:15pm"),
        ("press", SavePlan().pack()),
        ("say", "/remind 03/04 Cellcard"),
        ("say", "2019-01-01"),
        ("press", PickExpiry(2026, 4, 3).pack()),
        ("say", "/remind"),
        ("press", PickOperator("metfone").pack()),
        ("say", "怎么查余额"),
        ("press", LabelIsQuestion().pack()),
        ("say", "how do I check balance?"),
        ("press", StepBack("operator").pack()),
        ("press", PickOperator("metfone").pack()),
        ("say", "how do I check balance?"),
        ("press", LabelIsName().pack()),
        ("press", StepBack("label").pack()),
        ("press", SkipLabel().pack()),
        ("say", "today"),
        ("press", StepBack("expiry").pack()),
        ("say", "today"),
        ("press", SavePlan().pack()),
        ("say", "later please"),
        ("press", RemindSoon("hour").pack()),
        ("say", "/remind 今天 cellcard"),
        ("press", CancelFlow().pack()),
        ("say", "/remind 今天 cellcard"),
        ("press", SaveWithoutReminder().pack()),
        ("say", "/remind"),
        ("press", PickOperator("metfone").pack()),
        ("say", "/cancel"),
    ]
    async with harness(tmp_path / "run.sqlite3", clock) as bot:
        taken = []
        before = conversation_state(bot, remind_flow.FLOW)
        for kind, value in steps:
            await (bot.say(value) if kind == "say" else bot.press(value))
            after = conversation_state(bot, remind_flow.FLOW)
            taken.append((before, after))
            before = after
        assert ("expiry", "reminders") in taken and ("which_day", END) in taken
        assert ("label", "label_check") in taken and ("reminders", "nothing_ahead") in taken
        assert (START, "nothing_ahead") in taken and ("nothing_ahead", END) in taken
        assert set(taken) <= edges, set(taken) - edges
