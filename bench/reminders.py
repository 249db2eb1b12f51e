"""Reminder dispatch at scale: the DB-driven sender against one APScheduler job per
reminder. Run:

    uv run python bench/reminders.py [--n 1000000] [--naive-n 100000] [--due 1000]

A database with N pending reminders (N/3 plans, 3 reminders each, spread over two
years, `--due` of them already due) is generated in a temporary directory. Each
measurement runs in a fresh subprocess so resident memory is its own:

* start-up: open the store (migrations, WAL), recover in-flight rows, find the next
  due reminder -- everything the sender does before it can send;
* find the due batch: `next_due()` (partial index) and collapse + claim of one batch;
* dispatch: `tick()` over the due reminders with a no-op sender and no pacing, i.e.
  the per-reminder cost of claim -> mark sending -> send -> mark sent;
* naive: an AsyncIOScheduler with an in-memory job store, rebuilt at start-up by
  reading the pending rows and adding one date job per reminder; then the cost of
  firing due jobs. At more than --naive-n reminders it is measured at --naive-n and
  extrapolated linearly (said in the output).

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DAY = 86_400


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# --- the database ------------------------------------------------------------------------------


def generate(path: Path, n: int, due: int, now: int) -> float:
    from bot.storage import Store

    async def schema() -> None:
        store = await Store.open(path)
        await store.close()

    asyncio.run(schema())
    t0 = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    plans = max(1, n // 3)
    rng = random.Random(4)
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO users (chat_id, created_at, updated_at) VALUES (?, ?, ?)",
        ((c, now, now) for c in range(1, min(plans, 200_000) + 1)),
    )

    def plan_rows():
        for p in range(1, plans + 1):
            expiry = datetime.fromtimestamp(now + rng.randrange(4 * DAY, 730 * DAY), UTC).date()
            yield (p, (p % 200_000) + 1, expiry.isoformat(), now, now)

    db.executemany(
        "INSERT INTO plans (id, chat_id, operator, expiry, period_days, created_at, updated_at)"
        " VALUES (?, ?, 'smart', ?, 30, ?, ?)",
        plan_rows(),
    )

    def reminder_rows():
        made = 0
        for p, chat, expiry, _, _ in db.execute("SELECT id, chat_id, expiry, 0, 0 FROM plans"):
            end = int(datetime.fromisoformat(expiry).replace(tzinfo=UTC).timestamp()) + 2 * 3600
            for lead in (3, 1, 0):
                if made >= n:
                    return
                at = end - lead * DAY
                if p <= due and lead == 3:
                    at = now - rng.randrange(1, 3600)  # due now, one per plan
                yield (p, chat, lead, expiry, at, at)
                made += 1

    rows = list(reminder_rows())
    db.executemany(
        "INSERT INTO reminders (plan_id, chat_id, lead_days, expiry, due_at, send_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - t0


# --- children -------------------------------------------------------------------------------------


async def child_ours(path: Path, due: int) -> dict:
    from bot.reminders.sender import ReminderSender
    from bot.storage import Store

    async def noop(d, now, expired):
        return None

    rss0 = rss_mb()
    t0 = time.perf_counter()
    store = await Store.open(path)
    sender = ReminderSender(store, noop, clock=lambda: datetime.now(UTC))
    await sender.start(None)
    first_due = await store.next_due()
    startup = time.perf_counter() - t0
    rss1 = rss_mb()

    reps = 2000
    t0 = time.perf_counter()
    for _ in range(reps):
        await store.next_due()
    next_due = (time.perf_counter() - t0) / reps

    now = int(time.time())
    t0 = time.perf_counter()
    await store.collapse_overdue(now)
    batch = await store.claim_due(now, 30)
    claim = time.perf_counter() - t0
    for d in batch:
        await store.release(d.reminder.id, send_at=d.reminder.send_at)

    cpu0, t0 = time.process_time(), time.perf_counter()
    result = await sender.tick()
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    rss2 = rss_mb()
    counts = await store.reminder_counts()
    await store.close()
    return {
        "startup_s": startup,
        "rss_base_mb": rss0,
        "rss_after_start_mb": rss1,
        "rss_after_dispatch_mb": rss2,
        "first_due": first_due,
        "next_due_s": next_due,
        "claim_batch_s": claim,
        "claimed": len(batch),
        "sent": result.sent,
        "dispatch_wall_per_reminder_s": wall / max(1, result.sent),
        "dispatch_cpu_per_reminder_s": cpu / max(1, result.sent),
        "pending_after": counts.get("pending", 0),
    }


async def child_naive(path: Path, limit: int) -> dict:
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
    now = int(time.time())
    rows = db.execute(
        "SELECT id, send_at FROM reminders WHERE state = 'pending' AND send_at > ? "
        "ORDER BY send_at LIMIT ?",
        (now + 3600, limit),
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
            run_date=datetime.fromtimestamp(send_at, UTC),
            args=(reminder_id,),
            id=str(reminder_id),
        )
    startup = time.perf_counter() - t0
    rss1 = rss_mb()

    # firing: 1000 jobs due now, among the `limit` future ones
    target = 1000
    past = datetime.fromtimestamp(now - 10, UTC)
    for i in range(target):
        scheduler.add_job(job, "date", run_date=past, args=(-i,), id=f"due{i}")
    cpu0, t0 = time.process_time(), time.perf_counter()
    scheduler.resume()
    await asyncio.wait_for(done.wait(), 120)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    scheduler.shutdown(wait=False)
    await asyncio.sleep(0)
    return {
        "n": len(rows),
        "startup_s": startup,
        "rss_base_mb": rss0,
        "rss_after_start_mb": rss1,
        "dispatch_wall_per_reminder_s": wall / target,
        "dispatch_cpu_per_reminder_s": cpu / target,
    }


def run_child(kind: str, path: Path, arg: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--db", str(path), "--arg", str(arg)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="pending reminders")
    parser.add_argument("--naive-n", type=int, default=100_000, help="naive design measured at")
    parser.add_argument("--due", type=int, default=1000, help="reminders already due")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--arg", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        # warm the imports so the base RSS includes the interpreter and libraries
        import apscheduler.schedulers.asyncio  # noqa: F401
        import telegram.ext  # noqa: F401

        import bot.reminders.sender  # noqa: F401

        if args.child == "ours":
            result = asyncio.run(child_ours(Path(args.db), args.arg))
        else:
            result = asyncio.run(child_naive(Path(args.db), args.arg))
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        print(f"generating {args.n:,} pending reminders ({args.due:,} due) ...", flush=True)
        gen = generate(path, args.n, args.due, int(time.time()))
        size = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 2**20
        print(f"  generated in {gen:.1f} s, database {size:.0f} MB\n", flush=True)

        ours = run_child("ours", path, args.due)
        naive_n = min(args.n, args.naive_n)
        naive = run_child("naive", path, naive_n)

    scale = args.n / max(1, naive["n"])
    naive_start = naive["startup_s"] * scale
    naive_mem = (naive["rss_after_start_mb"] - naive["rss_base_mb"]) * scale
    ours_mem = ours["rss_after_start_mb"] - ours["rss_base_mb"]
    ms, us = 1000, 1_000_000

    print(f"DB-driven reminder sender, {args.n:,} pending reminders")
    print(f"  start-up (open, migrate, recover, next due)  {ours['startup_s'] * ms:9.1f} ms")
    print(
        f"  resident memory after start-up               {ours['rss_after_start_mb']:9.1f} MB"
        f"  (+{ours_mem:.1f} MB over the interpreter and libraries)"
    )
    print(f"  find next due (partial index)                {ours['next_due_s'] * us:9.1f} µs")
    print(
        f"  collapse + claim one batch of {ours['claimed']:<3}           "
        f"{ours['claim_batch_s'] * ms:9.2f} ms"
    )
    print(
        f"  dispatch per reminder, no-op sender          "
        f"{ours['dispatch_wall_per_reminder_s'] * us:9.1f} µs wall, "
        f"{ours['dispatch_cpu_per_reminder_s'] * us:.1f} µs CPU  ({ours['sent']:,} sent)"
    )
    busy = ours["dispatch_cpu_per_reminder_s"] * 30 * 100
    print(f"  CPU busy at 30 messages/s                    {busy:9.2f} %")
    print(f"  resident memory after dispatch               {ours['rss_after_dispatch_mb']:9.1f} MB")

    extrap = f", extrapolated from {naive['n']:,}" if scale > 1 else ""
    print(f"\nNaive: one APScheduler job per reminder (in-memory job store){extrap}")
    print(f"  start-up (read rows, add jobs)               {naive_start * ms:9.1f} ms")
    print(f"  added memory for the jobs                    {naive_mem:9.1f} MB")
    print(
        f"  dispatch per reminder, no-op job             "
        f"{naive['dispatch_wall_per_reminder_s'] * us:9.1f} µs wall, "
        f"{naive['dispatch_cpu_per_reminder_s'] * us:.1f} µs CPU"
        "  (does not even mark the reminder sent)"
    )

    print("\nRatios (naive / ours)")
    print(f"  start-up            {naive_start / ours['startup_s']:8.0f} x")
    print(f"  memory added        {naive_mem / max(ours_mem, 0.1):8.0f} x")
    print(
        f"  dispatch CPU        "
        f"{naive['dispatch_cpu_per_reminder_s'] / ours['dispatch_cpu_per_reminder_s']:8.2f} x"
    )
    ok = ours["startup_s"] < 1 and ours["rss_after_start_mb"] < 150 and busy < 10
    print(
        "\nTargets (start-up < 1 s, memory < 150 MB, CPU mostly idle at 30 msg/s): "
        + ("met" if ok else "NOT met")
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
