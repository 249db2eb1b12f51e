"""End-to-end throughput and latency: free-text FAQ questions in, answers out.

Over HTTP: the production Application (`bot.service`, long polling, AIORateLimiter) talks
to the fake Bot API server from tests/fakebotapi.py on 127.0.0.1, exactly as it would
talk to Telegram. Two loads:

- burst: N questions from many users pushed at once; updates per second from the first
  push to the last answer, and the update->answer times (queueing included);
- one at a time: each question waits for the previous answer; update->answer latency
  of a quiet bot (long-poll delivery, handler, sendMessage round trip).

In-process: the same Application with an OfflineRequest, `process_update` per question
(no HTTP, no rate limiter): what the handlers themselves cost.

With the rate limiter on (production), sends are capped at about 30 messages/s, which
is Telegram's own broadcast limit; `--no-rate-limit` shows what the bot could do
without it. Run:

    uv run python bench/throughput.py [--burst 600] [--sequential 200] [--no-rate-limit]
    uv run python bench/throughput.py --quick    # smaller loads, well under a minute

The last line is ``RESULT key=value ...`` (updates/s and latencies of each path).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakebotapi import FakeBotApi  # noqa: E402

from bot.app import build_application, running  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.content import load_content  # noqa: E402
from bot.service import build_runtime_application, polling  # noqa: E402
from bot.testing.offline import OfflineRequest, UpdateFactory  # noqa: E402

TOKEN = "123456:BENCH-token-of-the-right-shape-xxxxxxx"
LANG_CODES = ("en", "zh-hans", "zh-hant")


def questions() -> list[str]:
    """Holdout questions plus the FAQ's own paraphrases (zh and en)."""
    found = []
    holdout = ROOT / "tests" / "data" / "faq-holdout.jsonl"
    for line in holdout.read_text(encoding="utf-8").splitlines():
        if line.strip():
            found.append(json.loads(line)["q"])
    for entry in load_content().faq.values():
        for lang in ("zh-Hans", "en"):
            found.extend(entry.questions[lang][:2])
    return found


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(label: str, n: int, seconds: float, latencies_ms: list[float]) -> dict:
    row = {
        "path": label,
        "updates": n,
        "updates_per_s": round(n / seconds, 1),
        "p50_ms": round(pct(latencies_ms, 50), 1),
        "p99_ms": round(pct(latencies_ms, 99), 1),
        "max_ms": round(max(latencies_ms), 1),
    }
    print(
        f"{label:<38} {n:>5} updates  {row['updates_per_s']:>7.1f}/s  "
        f"p50 {row['p50_ms']:>7.1f} ms  p99 {row['p99_ms']:>7.1f} ms"
    )
    return row


async def over_http(burst: int, sequential: int, rate_limit: bool) -> list[dict]:
    qs = itertools.cycle(questions())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeBotApi() as api:
            settings = load_settings(
                _env_file=None,
                telegram_bot_token=TOKEN,
                telegram_api_base_url=api.base_url,
                database_path=Path(tmp) / "bench.sqlite3",
            )
            app = build_runtime_application(settings, rate_limit=rate_limit, set_menu=False)
            tag = "rate limiter" if rate_limit else "no rate limiter"
            async with polling(app, poll_timeout=10):
                # warm-up: connections, first DB writes
                api.user_sends(1, "hello")
                await api.wait_for("sendMessage", chat_id=1)

                # one at a time
                latencies = []
                started = time.time()
                for i in range(sequential):
                    mark = len(api.calls)
                    chat = 1000 + i % 50
                    pushed = time.time()
                    api.user_sends(chat, next(qs), language_code=LANG_CODES[i % 3])
                    [reply] = await api.wait_for("sendMessage", chat_id=chat, since=mark)
                    latencies.append((reply.time - pushed) * 1000)
                rows.append(
                    summary(
                        f"HTTP one at a time ({tag})", sequential, time.time() - started, latencies
                    )
                )

                # burst from many users
                mark = len(api.calls)
                pushed_at: dict[int, float] = {}
                started = time.time()
                for i in range(burst):
                    chat = 10_000 + i
                    pushed_at[chat] = time.time()
                    api.user_sends(chat, next(qs), language_code=LANG_CODES[i % 3])
                replies = await api.wait_for(
                    "sendMessage", since=mark, count=burst, timeout=burst / 5 + 30
                )
                elapsed = max(c.time for c in replies) - started
                latencies = [(c.time - pushed_at[c.chat_id]) * 1000 for c in replies]
                assert all(not c.faulted for c in replies)
                rows.append(summary(f"HTTP burst ({tag})", burst, elapsed, latencies))
    return rows


async def in_process(n: int) -> dict:
    qs = itertools.cycle(questions())
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(_env_file=None, database_path=Path(tmp) / "bench.sqlite3")
        request = OfflineRequest()
        app = build_application(settings, request=request, with_updater=False)
        users = [
            UpdateFactory(chat_id=2000 + i, language_code=LANG_CODES[i % 3]) for i in range(50)
        ]
        async with running(app):
            await app.process_update(users[0].message("hello", app.bot))
            latencies = []
            started = time.perf_counter()
            for i in range(n):
                update = users[i % 50].message(next(qs), app.bot)
                t = time.perf_counter()
                await app.process_update(update)
                latencies.append((time.perf_counter() - t) * 1000)
            elapsed = time.perf_counter() - started
            assert len([s for s in request.take() if s.method == "sendMessage"]) == n + 1
    return summary("in-process (OfflineRequest)", n, elapsed, latencies)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="burst 120, 40 sequential, 400")
    parser.add_argument("--burst", type=int)
    parser.add_argument("--sequential", type=int)
    parser.add_argument("--in-process", type=int, dest="inproc")
    parser.add_argument("--no-rate-limit", action="store_true", help="only the unlimited run")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args()
    args.burst = args.burst or (120 if args.quick else 600)
    args.sequential = args.sequential or (40 if args.quick else 200)
    args.inproc = args.inproc or (400 if args.quick else 2000)
    logging.basicConfig(level=logging.WARNING)
    rows = []
    for limited in [False] if args.no_rate_limit else [True, False]:
        rows += await over_http(args.burst, args.sequential, limited)
    rows.append(await in_process(args.inproc))
    if args.json:
        print(json.dumps(rows, indent=1))
    keys = {
        "HTTP burst (rate limiter)": "http_burst_limited",
        "HTTP burst (no rate limiter)": "http_burst",
        "HTTP one at a time (rate limiter)": "http_one_limited",
        "HTTP one at a time (no rate limiter)": "http_one",
        "in-process (OfflineRequest)": "inproc",
    }
    fields = []
    for row in rows:
        key = keys[row["path"]]
        fields += [f"{key}_updates_per_s={row['updates_per_s']}", f"{key}_p50_ms={row['p50_ms']}"]
    print("RESULT " + " ".join(fields))


if __name__ == "__main__":
    asyncio.run(main())
