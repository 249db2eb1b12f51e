"""Is a text typed at the name step really a question for the FAQ?

People answer "give it a name" with what is on their mind ("怎么查余额", "how do I check
balance?"). Saving that as the plan's name would be silent and wrong, so the step asks
which it is when the text reads like a question or the FAQ matcher answers it.
"""

from __future__ import annotations

import re

from bot.core.matching import ANSWER, Matcher

_QUESTION = re.compile(
    r"[?？]\s*$"
    r"|^\s*(how|what|why|where|when|which|who|can|could|do|does|is|are|should|will)\b"
    r"|怎么|怎麼|如何|为什么|為什麼|什么|什麼|哪里|哪裡|哪儿|多少|能不能|可不可以|是不是"
    r"|[吗嗎呢]\s*$",
    re.IGNORECASE,
)


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def looks_like_question(matcher: Matcher | None, text: str) -> bool:
    """True for question words or marks, or a sentence the FAQ matcher would answer."""
    if not text.strip():
        return False
    if _QUESTION.search(text):
        return True
    # Names ("eSIM 10GB", "Airalo Japan", "月卡") can look like FAQ topics; only a
    # sentence is asked about: four words, or six Chinese characters.
    long_enough = len(text.split()) >= 4 or len(_HAN.findall(text)) >= 6
    return long_enough and matcher is not None and matcher.match(text).outcome == ANSWER
