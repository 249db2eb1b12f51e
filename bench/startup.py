"""Where `renewal-bot run` spends its start-up, phase by phase, beside the previous design.

    uv run python bench/startup.py            # 5 starts of each design
    uv run python bench/startup.py --quick    # 2 starts of each (well under a minute)

Each start is a fresh process (compiled bytecode, as deployed) doing what `bot run`
does, against the fake Bot API (tests/fakebotapi.py) served by this process: import,
settings, content, matcher, Application, initialize + post_init (database, reminder
sender), start polling. The process's CPU and resident memory (RSS) are taken at each
phase; the CPU and wall clock up to the first `getUpdates` the server receives and the
RSS 0.5 s later (idle) are read from /proc. Medians are printed; figures are never
asserted; the last line is ``RESULT ...``.

The previous design, measured in the same run: command menus set (15 calls) before
polling starts, and OpenCC's phrase converters (`s2twp`, `s2t`) built at start, as
bot/core/text.py did at import.
"""

from __future__ import annotations

import time

T0 = time.process_time()  # the interpreter's own start-up is in T0

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
from benchlib.proc_stats import cpu_s, rss_mb  # noqa: E402  (bench/ is on sys.path)

TOKEN = "123456:BENCH-token-of-the-right-shape-xxxxxxx"
PHASES = ("interpreter", "imports", "content", "matcher", "application", "post_init", "polling")


# --- the child: one start of the bot ---------------------------------------------------------


def child(design: str) -> None:
    marks: dict[str, tuple[float, float]] = {"interpreter": (T0, rss_mb())}

    def mark(name: str) -> None:
        marks[name] = (time.process_time(), rss_mb())

    if design == "previous":
        import opencc

        converters = [opencc.OpenCC("s2twp"), opencc.OpenCC("s2t")]  # noqa: F841
    from bot.config import load_settings
    from bot.core.answers import build_matcher
    from bot.service import _start, build_runtime_application

    mark("imports")
    from bot.content import load_content

    settings = load_settings(_env_file=None)
    content = load_content()
    mark("content")
    matcher = build_matcher(content)
    mark("matcher")
    app = build_runtime_application(settings, content=content, matcher=matcher)
    mark("application")

    async def run() -> None:
        from telegram import Update

        await _start(app)
        if design == "previous":
            from bot.menus import set_menus

            await set_menus(app)  # before polling, as it was
        mark("post_init")
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES
        )
        await app.start()
        mark("polling")
        print(json.dumps({k: list(v) for k, v in marks.items()}), flush=True)
        await asyncio.Event().wait()  # until killed

    asyncio.run(run())


# --- the parent: the fake Bot API and the measurements -----------------------------------------


async def one_start(api, design: str, db: Path, pycache: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "RENEWAL_BOT_", "PYTHON"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_PATH=str(db),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PYTHONPYCACHEPREFIX=str(pycache),
        PTB_TIMEDELTA="true",
    )
    mark = len(api.calls)
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--child",
        design,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        [first] = await api.wait_for("getUpdates", since=mark, timeout=60)
        wall = first.time - (time.time() - (time.perf_counter() - t0))
        cpu = cpu_s(proc.pid)
        assert proc.stdout is not None
        marks = json.loads(await asyncio.wait_for(proc.stdout.readline(), 60))
        await asyncio.sleep(0.5)
        idle = rss_mb(proc.pid)
    finally:
        if proc.returncode is None:
            proc.kill()
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    if proc.returncode not in (-9, None):
        raise RuntimeError(f"bench child failed:\n{err.decode()[-2000:]}")
    phases, prev = {}, 0.0
    for name in PHASES:
        at, rss = marks[name]
        phases[name] = {"cpu_s": at - prev, "rss_mb": rss}
        prev = at
    return {"wall_s": wall, "cpu_s": cpu, "rss_idle_mb": idle, "phases": phases}


async def measure(reps: int) -> dict[str, list[dict]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from fakebotapi import FakeBotApi

    out: dict[str, list[dict]] = {"ours": [], "previous": []}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        async with FakeBotApi() as api:
            await one_start(api, "ours", tmp / "warm.sqlite3", tmp / "pycache")  # compiles
            for i in range(reps):
                for design in out:  # interleaved: both see the same load
                    db = tmp / f"{design}{i}.sqlite3"
                    out[design].append(await one_start(api, design, db, tmp / "pycache"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 starts of each design")
    parser.add_argument("--reps", type=int, help="starts of each design (5; quick 2)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    t_bench = time.perf_counter()
    reps = args.reps or (2 if args.quick else 5)
    runs = asyncio.run(measure(reps))
    med = statistics.median
    ms = 1000
    summary = {}
    for design, results in runs.items():
        summary[design] = {
            "wall_s": med(r["wall_s"] for r in results),
            "cpu_s": med(r["cpu_s"] for r in results),
            "rss_idle_mb": med(r["rss_idle_mb"] for r in results),
        }
    print(f"Start of `bot run` to the first getUpdates, median of {reps} (compiled bytecode)")
    print(
        f"  {'phase':<12} {'CPU ours':>9} {'RSS after':>10} {'CPU previous':>13} {'RSS after':>10}"
    )
    for name in PHASES:
        row = [
            (
                med(r["phases"][name]["cpu_s"] for r in runs[d]),
                med(r["phases"][name]["rss_mb"] for r in runs[d]),
            )
            for d in ("ours", "previous")
        ]
        print(
            f"  {name:<12} {row[0][0] * ms:7.0f} ms {row[0][1]:7.1f} MB "
            f"{row[1][0] * ms:10.0f} ms {row[1][1]:7.1f} MB"
        )
    for design, s in summary.items():
        print(
            f"  {design:<9} to first getUpdates: {s['wall_s']:.2f} s wall, {s['cpu_s']:.2f} s CPU; "
            f"RSS idle {s['rss_idle_mb']:.1f} MB"
        )
    o, p = summary["ours"], summary["previous"]
    fields = {
        "start_s": f"{o['wall_s']:.2f}",
        "start_cpu_s": f"{o['cpu_s']:.2f}",
        "rss_idle_mb": f"{o['rss_idle_mb']:.1f}",
        "previous_start_s": f"{p['wall_s']:.2f}",
        "previous_start_cpu_s": f"{p['cpu_s']:.2f}",
        "previous_rss_idle_mb": f"{p['rss_idle_mb']:.1f}",
        "reps": reps,
        "bench_s": f"{time.perf_counter() - t_bench:.0f}",
    }
    print("RESULT " + " ".join(f"{k}={v}" for k, v in fields.items()))


if __name__ == "__main__":
    main()
