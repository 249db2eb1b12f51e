"""FAQ matcher speed and accuracy, side by side with a naive baseline.

Baseline: the nearest paraphrase by rapidfuzz WRatio over the same content
(normalised text), refusing below a score of 70. Run:

    uv run python bench/faq.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.content import load_content
from bot.core.answers import build_matcher
from bot.core.matching import ANSWER
from bot.core.text import normalize

ROOT = Path(__file__).resolve().parents[1]
SETS = [
    ROOT.parent / "shared" / "eval" / "faq-dev.jsonl",
    ROOT / "tests" / "data" / "faq-holdout.jsonl",
]


class Naive:
    def __init__(self, content, cutoff: float = 70.0):
        self.choices, self.topics = [], []
        for entry in content.faq.values():
            for qs in entry.questions.values():
                for q in qs:
                    self.choices.append(normalize(q))
                    self.topics.append(entry.id)
        self.cutoff = cutoff

    def predict(self, question: str) -> str | None:
        best = process.extractOne(normalize(question), self.choices, scorer=fuzz.WRatio)
        if best is None or best[1] < self.cutoff:
            return None
        return self.topics[best[2]]


def accuracy(predict, cases) -> tuple[int, int, int, int]:
    hits_in = n_in = hits_out = n_out = 0
    for case in cases:
        got = predict(case["q"])
        if case["expect"] is None:
            n_out += 1
            hits_out += got is None
        else:
            n_in += 1
            hits_in += got in [case["expect"], *case.get("also", [])]
    return hits_in, n_in, hits_out, n_out


def timing(predict, questions, repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        for q in questions:
            start = time.perf_counter_ns()
            predict(q)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    total_s = sum(samples) / 1000
    return {
        "qps": len(samples) / total_s,
        "p50_ms": statistics.median(samples),
        "p99_ms": samples[int(len(samples) * 0.99) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    content = load_content()
    start = time.perf_counter()
    matcher = build_matcher(content)
    build_ms = (time.perf_counter() - start) * 1000
    naive = Naive(content)

    def ours(q: str) -> str | None:
        m = matcher.match(q)
        return m.faq_id if m.outcome == ANSWER else None

    cases = [json.loads(x) for p in SETS if p.exists() for x in p.read_text().splitlines() if x]
    questions = [c["q"] for c in cases]
    print(f"questions: {len(cases)} from {', '.join(p.name for p in SETS if p.exists())}")
    print(f"matcher index built in {build_ms:.0f} ms over {len(naive.choices)} paraphrases\n")
    print(f"{'design':<28}{'in-scope':>12}{'refused':>10}{'q/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    for name, predict in [
        ("BM25 n-grams (renewal-bot)", ours),
        ("naive WRatio nearest", naive.predict),
    ]:
        hi, ni, ho, no = accuracy(predict, cases)
        t = timing(predict, questions, args.repeat)
        print(
            f"{name:<28}{hi:>6}/{ni:<5}{ho:>5}/{no:<4}{t['qps']:>10.0f}{t['p50_ms']:>9.3f}"
            f"{t['p99_ms']:>9.3f}"
        )
    print("\ntarget: p99 under 2 ms per question")


if __name__ == "__main__":
    main()
