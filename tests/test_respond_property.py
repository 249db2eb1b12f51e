"""Every paraphrase in content/, with any operator, bank or app name around it, gets a reply.

A crash here is a user who asked "stop a subscription cellcard" and got the error
apology instead of an answer. Examples default to 300; RESPOND_EXAMPLES raises it.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.answers import respond
from bot.core.text import LANGS
from tests.helpers import shared_content

CONTENT, MATCHER = shared_content()
NAMES = (
    "Smart", "Cellcard", "Metfone", "Seatel", "CooTel", "ABA", "Wing", "ACLEDA",
    "SmartNas", "Cellcard app",
)  # fmt: skip
PARAPHRASES = sorted(
    {q for entry in CONTENT.faq.values() for qs in entry.questions.values() for q in qs}
    | {q for qs in CONTENT.out_of_scope.values() for q in qs}
)
EXAMPLES = int(os.environ.get("RESPOND_EXAMPLES", "300"))
SEPARATORS = ("", " ", "，", "、", "? ")


def _reply_ok(question: str, lang: str) -> None:
    reply = respond(CONTENT, MATCHER, question, lang)
    assert reply.lang in LANGS
    assert reply.text.strip()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    question=st.sampled_from(PARAPHRASES),
    name=st.sampled_from(NAMES),
    sep=st.sampled_from(SEPARATORS),
    before=st.booleans(),
    lang=st.sampled_from(LANGS),
)
def test_paraphrase_with_a_name_gets_a_reply(
    question: str, name: str, sep: str, before: bool, lang: str
) -> None:
    _reply_ok(f"{name}{sep}{question}" if before else f"{question}{sep}{name}", lang)


@settings(max_examples=EXAMPLES, deadline=None)
@given(text=st.text(max_size=200), lang=st.sampled_from(LANGS))
def test_arbitrary_text_gets_a_reply(text: str, lang: str) -> None:
    reply = respond(CONTENT, MATCHER, text, lang)
    assert reply.lang in LANGS


def test_the_reported_crashes_get_codes_appended() -> None:
    for question in ("stop a subscription cellcard", "系运营商Smart"):
        _reply_ok(question, "en")
