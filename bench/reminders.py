"""Reminders on the real path, each figure beside the naive design measured in the same run.

    uv run python bench/reminders.py            # full: 1M pending, bursts of 1k/10k/100k
    uv run python bench/reminders.py --quick    # under a minute: 100k pending, 500/5k bursts

What is measured (figures are printed, never asserted; the last line is ``RESULT ...``):

* start-up to first poll: ``python -m bot run`` as a subprocess against the fake Bot API
  (tests/fakebotapi.py); from process start to the first ``getUpdates`` the server
  receives, with an empty database and with N pending reminders. Twice: with compiled
  bytecode (as deployed: ``uv sync --compile-bytecode``, the Docker image) and with
  none (``PYTHONDONTWRITEBYTECODE``, no cache: every module compiled at start).
  Naive: one APScheduler job per pending reminder, rebuilt at start (measured at
  --naive-n, scaled linearly to N, said in the output).
* resident memory of that running bot (RSS of the process): idle after the first poll,
  and the peak while it sends a burst of due reminders over HTTP.
* CPU per reminder over HTTP: that bot sending --http-sends due reminders through the
  real sender (render, keyboard, PTB, AIORateLimiter, HTTP to the fake server), the
  process's CPU from the first to the last sendMessage divided by the sends in between.
* bursts in-process: the production Application with a request object that answers
  every Bot API call with a canned message (no HTTP), our pacing off, K reminders due
  at once (10 % of the plans with an older overdue reminder to collapse): CPU per
  reminder of the whole send path (collapse, claim, render, PTB's Bot, bookkeeping),
  and of the project alone (PTB's ``send_message`` replaced by a stub), and the largest
  event-loop lag seen by a 5 ms ticker while draining. ``burst_linearity`` = CPU per
  reminder at 10k / at 1k (quick: 5k / 500). Naive: the previous store (every due row
  rescanned per batch of 30, 'sending' and 'sent' committed separately), same
  Application, same run.
* the morning herd: how long 100k reminders due at the same minute take to drain at the
  measured rate (computed, not run).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

DAY = 86_400
from benchlib.proc_stats import cpu_s, rss_mb  # noqa: E402  (bench/ is on sys.path)

TOKEN = "123456:BENCH-token-of-the-right-shape-xxxxxxx"


# --- the database ------------------------------------------------------------------------------


def generate(path: Path, n: int, due: int, now: int) -> float:
    """`n` future reminders (3 per plan) plus `due` plans with a reminder due now; one in
    ten of those also has an older overdue reminder that dispatch must collapse."""
    from bot.storage import Store

    async def schema() -> None:
        store = await Store.open(path)
        await store.close()

    asyncio.run(schema())
    t0 = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    rng = random.Random(4)
    future_plans = n // 3
    plans = future_plans + due
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO users (chat_id, created_at, updated_at) VALUES (?, ?, ?)",
        ((c, now, now) for c in range(1, min(plans, 200_000) + 1)),
    )
    plan_rows, reminder_rows = [], []
    for p in range(1, plans + 1):
        chat = (p % 200_000) + 1
        if p <= due:
            expiry = datetime.fromtimestamp(now + DAY, UTC).date()
            sends = [(1, now - rng.randrange(1, 3600))]
            if p % 10 == 0:
                sends.append((3, now - 2 * DAY))
        else:
            expiry = datetime.fromtimestamp(now + rng.randrange(4 * DAY, 730 * DAY), UTC).date()
            end = int(datetime.fromisoformat(expiry.isoformat()).replace(tzinfo=UTC).timestamp())
            sends = [(lead, end + 2 * 3600 - lead * DAY) for lead in (3, 1, 0)]
        plan_rows.append((p, chat, expiry.isoformat(), now, now))
        reminder_rows.extend((p, chat, lead, expiry.isoformat(), at, at) for lead, at in sends)
    db.executemany(
        "INSERT INTO plans (id, chat_id, operator, expiry, period_days, created_at, updated_at)"
        " VALUES (?, ?, 'smart', ?, 30, ?, ?)",
        plan_rows,
    )
    db.executemany(
        "INSERT INTO reminders (plan_id, chat_id, lead_days, expiry, due_at, send_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        reminder_rows,
    )
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - t0


# --- in-process bursts -----------------------------------------------------------------------


def canned_request():
    """A request object answering every Bot API call at once: no HTTP, no decoding."""
    from telegram.request import BaseRequest

    body = {
        "ok": True,
        "result": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "from": {"id": 1, "is_bot": True, "first_name": "bench", "username": "bench_bot"},
            "text": "x",
        },
    }
    me = {"ok": True, "result": {**body["result"]["from"], "can_join_groups": True}}
    answers = {"getMe": json.dumps(me).encode(), None: json.dumps(body).encode()}

    class Canned(BaseRequest):
        read_timeout = None

        async def initialize(self) -> None:
            return None

        async def shutdown(self) -> None:
            return None

        async def do_request(self, url, method, request_data=None, **_: object):
            return 200, answers.get(url.rsplit("/", 1)[-1], answers[None])

    return Canned()


def make_naive(store) -> None:
    """The previous design on the same store: every due row rescanned for each batch,
    'sending' and 'sent' in separate commits."""
    from bot.storage import Store

    async def collapse(now: int, limit: int | None = None) -> int:
        return await Store.collapse_overdue(store, now)

    async def mark_sending(reminder_id: int, sent=None) -> None:
        if sent is not None:
            await Store.mark_sent(store, *sent)
        await Store.mark_sending(store, reminder_id)

    store.collapse_overdue = collapse
    store.mark_sending = mark_sending


async def child_burst(path: Path, mode: str) -> dict:
    """mode: 'ours' | 'own' (PTB's send_message stubbed) | 'naive'."""
    from bot.app import build_application, running
    from bot.config import load_settings
    from bot.reminders.sender import OPTIONS_KEY, get_sender

    settings = load_settings(database_path=str(path), telegram_bot_token=None)
    app = build_application(settings, request=canned_request(), with_updater=False)
    app.bot_data[OPTIONS_KEY] = {"autostart": False}
    if mode == "own":
        sent_message = await_message()
        object.__setattr__(app.bot, "send_message", sent_message)
    async with running(app):
        sender = get_sender(app)
        # one-time costs (locale data loaded by the first render) stay out of the
        # per-reminder figure, so the small burst is not made to look dearer than the big one
        now = datetime.now(UTC)
        [warm] = await sender.store.claim_due(int(now.timestamp()), 1)
        await sender.send(warm, now, False)
        await sender.store.release(warm.reminder.id, send_at=warm.reminder.send_at)
        if mode == "naive":
            make_naive(sender.store)
        # CPU at each claim: the per-batch cost, whose median is robust to the noise of a
        # shared machine (the mean over the whole burst is reported too)
        marks: list[tuple[float, int]] = []
        claim = sender.store.claim_due

        async def claim_due(now: int, limit: int):
            marks.append((time.process_time(), limit))
            return await claim(now, limit)

        sender.store.claim_due = claim_due
        lags: list[float] = []  # wall clock: includes the OS preempting us (loaded machine)
        stalls: list[float] = []  # event-loop thread CPU between two ticks: our own blocking

        async def ticker() -> None:
            loop = asyncio.get_running_loop()
            while not stop.is_set():
                t, c = loop.time(), time.thread_time()
                await asyncio.sleep(0.005)
                lags.append(loop.time() - t - 0.005)
                stalls.append(time.thread_time() - c)

        stop = asyncio.Event()

        watch = asyncio.create_task(ticker())
        await asyncio.sleep(0.02)
        cpu0, t0 = time.process_time(), time.perf_counter()
        result = await sender.tick()
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        stop.set()
        await watch
        counts = await sender.store.reminder_counts()
    sent = result.sent + result.expired_notices
    per_batch = [(b[0] - a[0]) / a[1] for a, b in itertools.pairwise(marks)]
    return {
        "sent": sent,
        "collapsed": result.collapsed,
        "cpu_per_reminder_s": cpu / max(1, sent),
        "median_batch_cpu_per_reminder_s": (
            statistics.median(per_batch) if per_batch else cpu / max(1, sent)
        ),
        "wall_per_reminder_s": wall / max(1, sent),
        "max_loop_lag_s": max(lags),
        "p99_loop_lag_s": sorted(lags)[int(len(lags) * 0.99)],
        "max_loop_stall_cpu_s": max(stalls),
        "pending_left": counts.get("pending", 0),
        "rss_mb": rss_mb(),
    }


def await_message():
    """Stands in for Bot.send_message: returns a message id, costs nothing."""
    from types import SimpleNamespace

    message = SimpleNamespace(message_id=1)

    async def send_message(*args, **kwargs):
        return message

    return send_message


# --- the naive design: one APScheduler job per reminder ------------------------------------


async def child_naive_jobs(path: Path, limit: int) -> dict:
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    fired = 0
    done = asyncio.Event()
    target = 0

    async def job(reminder_id: int) -> None:
        nonlocal fired
        fired += 1
        if fired >= target:
            done.set()

    rss0 = rss_mb()
    t0 = time.perf_counter()
    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT id, send_at FROM reminders WHERE state = 'pending' ORDER BY send_at LIMIT ?",
        (limit,),
    ).fetchall()
    db.close()
    scheduler = AsyncIOScheduler(
        jobstores={"default": MemoryJobStore()},
        job_defaults={"misfire_grace_time": None, "coalesce": True},
        timezone=UTC,
    )
    scheduler.start(paused=True)
    for reminder_id, send_at in rows:
        scheduler.add_job(
            job,
            "date",
            run_date=datetime.fromtimestamp(send_at + 10 * 365 * DAY, UTC),
            args=(reminder_id,),
            id=str(reminder_id),
        )
    startup = time.perf_counter() - t0
    rss1 = rss_mb()
    target = 1000
    past = datetime.fromtimestamp(time.time() - 10, UTC)
    for i in range(target):
        scheduler.add_job(job, "date", run_date=past, args=(-i,), id=f"due{i}")
    cpu0 = time.process_time()
    scheduler.resume()
    await asyncio.wait_for(done.wait(), 120)
    cpu = time.process_time() - cpu0
    scheduler.shutdown(wait=False)
    await asyncio.sleep(0)
    return {
        "n": len(rows),
        "startup_s": startup,
        "rss_base_mb": rss0,
        "rss_after_start_mb": rss1,
        "cpu_per_reminder_s": cpu / target,
    }


def run_child(kind: str, path: Path, arg: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(path.parent / "pycache")  # compiled once, like a deploy
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--db", str(path), "--arg", arg],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    if out.returncode:
        raise RuntimeError(f"bench child {kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the real bot as a subprocess ------------------------------------------------------------


def bot_env(api_url: str, db: Path, pycache: Path, compiled: bool) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "RENEWAL_BOT_", "PYTHON"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api_url,
        DATABASE_PATH=str(db),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PYTHONPYCACHEPREFIX=str(pycache),
        PTB_TIMEDELTA="true",
    )
    if not compiled:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


async def bot_run(api, db: Path, pycache: Path, compiled: bool, sends: int = 0) -> dict:
    """Start `python -m bot run`, time it to the first getUpdates; with `sends` due
    reminders in `db`, wait for them and measure CPU and peak RSS while sending."""
    mark = len(api.calls)
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=bot_env(api.base_url, db, pycache, compiled),
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    result: dict = {}
    try:
        [first] = await api.wait_for("getUpdates", since=mark, timeout=60)
        result["start_s"] = first.time - (time.time() - (time.perf_counter() - t0))
        result["cpu_at_first_poll_s"] = cpu_s(proc.pid)
        if sends:
            peak = 0.0
            first_send = await api.wait_for("sendMessage", since=mark, timeout=60)
            cpu0, n0 = cpu_s(proc.pid), len(api.calls_of("sendMessage"))
            t_send = time.perf_counter()
            while len(api.calls_of("sendMessage")) - n0 < sends - len(first_send):
                peak = max(peak, rss_mb(proc.pid))
                await asyncio.sleep(0.05)
            cpu1, n1 = cpu_s(proc.pid), len(api.calls_of("sendMessage"))
            result["send_rate"] = (n1 - n0) / (time.perf_counter() - t_send)
            result["cpu_per_send_s"] = (cpu1 - cpu0) / max(1, n1 - n0)
            result["rss_sending_mb"] = peak
        else:
            await asyncio.sleep(0.5)  # settled: first poll answered, jobs scheduled
            result["rss_idle_mb"] = rss_mb(proc.pid)
    finally:
        crashed = proc.returncode is not None
        if not crashed:  # measured; a graceful stop waits out the long poll, not needed here
            proc.kill()
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    if crashed:
        raise RuntimeError(f"bot exited with {proc.returncode}: {err.decode()[-2000:]}")
    return result


async def real_bot(
    tmp: Path, empty: Path, full: Path, due: Path, reps: int, sends: int, nocache: bool
) -> dict:
    from fakebotapi import FakeBotApi

    out: dict = {}
    async with FakeBotApi() as api:
        for compiled in (True, False) if nocache else (True,):
            pycache = tmp / ("pycache" if compiled else "nocache")
            if compiled:  # the first run writes the bytecode cache, as `uv sync` would
                await bot_run(api, empty, pycache, True)
            for name, db in (("empty", empty), ("full", full)):
                runs = [await bot_run(api, db, pycache, compiled) for _ in range(reps)]
                key = f"{name}_{'compiled' if compiled else 'nocache'}"
                out[key] = {
                    "start_s": statistics.median(r["start_s"] for r in runs),
                    "cpu_at_first_poll_s": statistics.median(
                        r["cpu_at_first_poll_s"] for r in runs
                    ),
                    "rss_idle_mb": statistics.median(r["rss_idle_mb"] for r in runs),
                }
        out["sending"] = await bot_run(api, due, tmp / "pycache", True, sends=sends)
    return out


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    parser.add_argument("--n", type=int, help="pending reminders for start-up (1M; quick 100k)")
    parser.add_argument("--naive-n", type=int, help="APScheduler jobs measured (100k; 5k)")
    parser.add_argument("--http-sends", type=int, help="reminders sent over HTTP (1000; 90)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--arg", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        if args.child == "burst":
            result = asyncio.run(child_burst(Path(args.db), args.arg))
        else:
            import telegram.ext  # noqa: F401  (the base RSS includes the libraries)

            result = asyncio.run(child_naive_jobs(Path(args.db), int(args.arg)))
        print(json.dumps(result))
        return

    t_bench = time.perf_counter()
    quick = args.quick
    n = args.n or (100_000 if quick else 1_000_000)
    naive_n = min(n, args.naive_n or (5_000 if quick else 100_000))
    sends = args.http_sends or (90 if quick else 1000)
    bursts = (500, 5_000) if quick else (1_000, 10_000, 100_000)
    naive_bursts = (500, 1_000) if quick else (1_000, 10_000)
    small, big = bursts[0], bursts[1]
    reps = 1 if quick else 3
    ms, us = 1000, 1_000_000
    now = int(time.time())

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print(f"generating databases ({n:,} pending; bursts {bursts}) ...", flush=True)
        empty, full, due_db = tmp / "empty.sqlite3", tmp / "full.sqlite3", tmp / "due.sqlite3"
        generate(empty, 0, 0, now)
        gen = generate(full, n, 0, now)
        generate(due_db, 3_000, sends, now)
        print(f"  {n:,} pending generated in {gen:.1f} s", flush=True)

        burst: dict[tuple[str, int], dict] = {}
        warm = tmp / "warm.sqlite3"  # compiles the bytecode cache the children share
        generate(warm, 0, 1, now)
        run_child("burst", warm, "ours")
        for size in sorted(set(bursts) | set(naive_bursts)):
            path = tmp / f"burst{size}.sqlite3"
            modes = [m for m, sizes in (("ours", bursts), ("naive", naive_bursts)) if size in sizes]
            modes += ["own"] if size == small else []
            for mode in modes:
                generate(path, 3_000, size, now)
                burst[mode, size] = run_child("burst", path, mode)
                path.unlink()
                for suffix in ("-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                b = burst[mode, size]
                print(
                    f"  burst {size:>7,} due, {mode:<5}: {b['cpu_per_reminder_s'] * us:5.0f} µs CPU"
                    f" (median batch {b['median_batch_cpu_per_reminder_s'] * us:4.0f})"
                    f" per reminder, loop lag max {b['max_loop_lag_s'] * ms:5.1f} ms"
                    f" p99 {b['p99_loop_lag_s'] * ms:4.1f} ms, longest CPU stall"
                    f" {b['max_loop_stall_cpu_s'] * ms:4.1f} ms"
                    f" ({b['sent']:,} sent, {b['collapsed']:,} collapsed, "
                    f"{b['pending_left']} left)",
                    flush=True,
                )

        naive = run_child("naive", full, str(naive_n))
        print(
            f"  naive APScheduler jobs measured ({time.perf_counter() - t_bench:.0f} s)", flush=True
        )
        bot = asyncio.run(real_bot(tmp, empty, full, due_db, reps, sends, nocache=not quick))

    scale = n / max(1, naive["n"])
    naive_start = naive["startup_s"] * scale
    naive_mem = (naive["rss_after_start_mb"] - naive["rss_base_mb"]) * scale
    extrap = f" (measured at {naive['n']:,}, scaled)" if scale > 1 else ""

    def linearity(mode: str, size: int, key: str = "median_batch_cpu_per_reminder_s") -> float:
        return burst[mode, size][key] / burst[mode, small][key]

    lin, lin_mean = linearity("ours", big), linearity("ours", big, "cpu_per_reminder_s")
    big_naive = max(naive_bursts)
    lin_naive = linearity("naive", big_naive)
    c, nc = bot["full_compiled"], bot.get("full_nocache")
    e, enc = bot["empty_compiled"], bot.get("empty_nocache")
    growth = c["start_s"] / e["start_s"]
    snd = bot["sending"]
    lag = max(b["max_loop_lag_s"] for (m, _), b in burst.items() if m == "ours")
    lag99 = max(b["p99_loop_lag_s"] for (m, _), b in burst.items() if m == "ours")
    stall = max(b["max_loop_stall_cpu_s"] for (m, _), b in burst.items() if m == "ours")
    rate = min(30.0, snd["send_rate"])
    herd_min = 100_000 / rate / 60

    print(f"\nReal bot (`python -m bot run` against the fake Bot API), median of {reps}")
    print(f"                                   empty DB   {n:>9,} pending")
    print(
        f"  start -> first getUpdates, compiled bytecode  {e['start_s']:6.2f} s   "
        f"{c['start_s']:6.2f} s   (CPU {e['cpu_at_first_poll_s']:.2f} s / "
        f"{c['cpu_at_first_poll_s']:.2f} s)"
    )
    if nc and enc:
        print(
            f"  start -> first getUpdates, no bytecode cache  {enc['start_s']:6.2f} s   "
            f"{nc['start_s']:6.2f} s   (CPU {nc['cpu_at_first_poll_s']:.2f} s)"
        )
    print(
        f"  resident memory, idle                         {e['rss_idle_mb']:6.1f} MB  "
        f"{c['rss_idle_mb']:6.1f} MB"
    )
    print(
        f"  naive: rebuild one APScheduler job each{extrap}: {naive_start:.1f} s more, "
        f"+{naive_mem:.0f} MB"
    )
    print(f"\nSending {sends} due reminders over HTTP (AIORateLimiter pacing)")
    print(
        f"  rate {snd['send_rate']:.1f} msg/s, CPU {snd['cpu_per_send_s'] * ms:.2f} ms per "
        f"reminder = {snd['cpu_per_send_s'] * snd['send_rate'] * 100:.1f} % of a core, "
        f"peak RSS {snd['rss_sending_mb']:.1f} MB"
    )
    naive_per = naive["cpu_per_reminder_s"]
    print(
        f"  naive APScheduler no-op job: {naive_per * us:.0f} µs CPU per reminder "
        "(sends nothing, records nothing)"
    )
    own = burst["own", small]["cpu_per_reminder_s"]
    print(
        f"\nIn-process, CPU per reminder ({small:,} burst): whole path without HTTP "
        f"{burst['ours', small]['cpu_per_reminder_s'] * ms:.2f} ms, the project's own "
        f"(PTB's send_message stubbed) {own * ms:.2f} ms"
    )
    print(
        f"  burst_linearity {big:,}/{small:,} (median batch): ours {lin:.2f} "
        f"(mean {lin_mean:.2f}), "
        f"naive {lin_naive:.2f} "
        f"({big_naive:,}/{small:,}); loop lag while draining: max {lag * ms:.1f} ms, "
        f"p99 {lag99 * ms:.1f} ms (wall clock, OS preemption included); longest stall of "
        f"the loop's own CPU {stall * ms:.1f} ms"
    )
    print(
        f"  morning herd: 100,000 due at once drain in {herd_min:.0f} min at "
        f"{rate:.1f} msg/s (computed from the measured rate)"
    )
    fields = {
        "burst_linearity": f"{lin:.2f}",
        "burst_linearity_mean": f"{lin_mean:.2f}",
        "burst_linearity_naive": f"{lin_naive:.2f}",
        "start_growth": f"{growth:.2f}",
        "start_s_empty": f"{e['start_s']:.2f}",
        "start_s_pending": f"{c['start_s']:.2f}",
        "start_cpu_s_empty": f"{e['cpu_at_first_poll_s']:.2f}",
        "start_cpu_s_pending": f"{c['cpu_at_first_poll_s']:.2f}",
        "bursts": f"{small}/{big}",
        "naive_start_s": f"{naive_start:.1f}",
        "pending": n,
        "rss_idle_mb": f"{c['rss_idle_mb']:.1f}",
        "rss_sending_mb": f"{snd['rss_sending_mb']:.1f}",
        "naive_added_mb": f"{naive_mem:.0f}",
        "http_cpu_ms_per_reminder": f"{snd['cpu_per_send_s'] * ms:.2f}",
        "own_cpu_ms_per_reminder": f"{own * ms:.2f}",
        "inproc_cpu_ms_per_reminder": f"{burst['ours', small]['cpu_per_reminder_s'] * ms:.2f}",
        "naive_inproc_cpu_ms_per_reminder": (
            f"{burst['naive', small]['cpu_per_reminder_s'] * ms:.2f}"
        ),
        "max_loop_lag_ms": f"{lag * ms:.1f}",
        "p99_loop_lag_ms": f"{lag99 * ms:.1f}",
        "max_loop_stall_cpu_ms": f"{stall * ms:.1f}",
        "send_rate": f"{snd['send_rate']:.1f}",
        "herd_100k_min": f"{herd_min:.0f}",
    }
    if ("ours", 100_000) in burst:
        fields["burst_linearity_100k"] = f"{linearity('ours', 100_000):.2f}"
    if nc:
        fields["start_s_pending_nocache"] = f"{nc['start_s']:.2f}"
    fields["bench_s"] = f"{time.perf_counter() - t_bench:.0f}"
    print("RESULT " + " ".join(f"{k}={v}" for k, v in fields.items()))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
