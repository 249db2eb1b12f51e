"""Command line: chat, ask, run, health, backup, unanswered, check-content."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from bot import exits
from bot.config import ConfigError, Settings, load_settings
from bot.content_error import ContentError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="renewal-bot", description="Telegram bot for renewing Cambodian SIMs and eSIMs."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="talk to the bot in this terminal (no token needed)")
    chat.add_argument("--lang", help="Telegram language_code to pretend, e.g. zh-hans, zh-hk, en")
    chat.add_argument("--db", help="database file (default: DATABASE_PATH)")
    ask = sub.add_parser("ask", help="answer questions from the FAQ")
    ask.add_argument("question", nargs="*", help="the question (omit with --json)")
    ask.add_argument("--json", action="store_true", help="read questions from stdin, print JSON")
    ask.add_argument("--lang", default="en", help="language when the question has none")
    sub.add_parser("run", help="run the bot on Telegram (needs TELEGRAM_BOT_TOKEN)")
    health = sub.add_parser(
        "health", help="is the running bot healthy? (database, scheduler, last poll; exit 0/1)"
    )
    health.add_argument("--json", action="store_true", help="print the report as JSON")
    sub.add_parser("check-content", help="validate the files in content/")
    backup = sub.add_parser("backup", help="copy the database safely, even while the bot runs")
    backup.add_argument("path", help="file to write the copy to (replaced if it exists)")
    unanswered = sub.add_parser(
        "unanswered", help="questions the bot could not answer, grouped, with the nearest topic"
    )
    unanswered.add_argument("--days", type=int, default=30, help="look back this many days")
    unanswered.add_argument("--json", action="store_true", help="one JSON object per group")
    unanswered.add_argument("--db", help="database file (default: DATABASE_PATH)")
    args = parser.parse_args(argv)

    try:
        if args.command == "check-content":
            return check_content()
        if args.command == "ask":
            return ask_command(args)
        settings = load_settings(
            **({"database_path": args.db} if getattr(args, "db", None) else {})
        )
        if args.command == "backup":
            from bot.backup import backup_command

            return backup_command(settings, args.path)
        if args.command == "unanswered":
            from bot.report import unanswered_command

            return unanswered_command(settings, days=args.days, as_json=args.json)
        if args.command == "health":
            return health_command(settings, as_json=args.json)
        if args.command == "run":
            return run_command(settings)
        logging.basicConfig(level=logging.WARNING)
        from bot.terminal import run_chat  # "chat", the one command left

        asyncio.run(run_chat(settings, lang=args.lang))
        return exits.OK
    except (ConfigError, ContentError) as exc:
        return fail(exc)
    except KeyboardInterrupt:
        return exits.INTERRUPTED


def run_command(settings: Settings) -> int:
    """The bot until SIGTERM; a failed start ends with one line and an exit code
    (bot/exits.py), never with a traceback or the token."""
    from bot.logs import setup_logging
    from bot.process import install_excepthook, quiet_startup_aborts
    from bot.service import run

    token = settings.require_token()  # one clear line before anything starts
    setup_logging(settings.log_level, secrets=[token])
    install_excepthook((token,))
    quiet_startup_aborts()
    try:
        return run(settings)
    except Exception as exc:
        return fail(exc, (token,))


def fail(exc: BaseException, secrets: tuple[str, ...] = ()) -> int:
    code, line = exits.explain(exc, secrets)
    print(f"renewal-bot: {line}", file=sys.stderr)
    return code


def health_command(settings: Settings, as_json: bool = False) -> int:
    from bot.health_check import check_health, format_health

    healthy, report = check_health(settings)
    print(json.dumps(report) if as_json else format_health(report))
    return exits.OK if healthy else exits.UNHEALTHY


def check_content() -> int:
    from bot.content import DERIVED_ZH_HANT, load_content, refresh_derived
    from bot.reminders.facts import facts

    content = load_content()
    facts(content.root)
    codes = content.codes
    extra = f", {len(codes.operators)} operators" if codes is not None else ""
    print(
        f"content OK: {len(content.faq)} FAQ entries, {len(content.synonyms)} synonym groups{extra}"
    )
    try:
        if refresh_derived(content):
            print(f"zh-Hant questions refreshed in {DERIVED_ZH_HANT}")
    except OSError as exc:  # a read-only install: the bot converts them at start instead
        print(f"renewal-bot: could not refresh {DERIVED_ZH_HANT}: {exc}", file=sys.stderr)
    return exits.OK


def ask_command(args: argparse.Namespace) -> int:
    from bot.content import load_content
    from bot.core.answers import as_json, build_matcher, respond
    from bot.core.text import lang_from_telegram

    content = load_content()
    matcher = build_matcher(content)
    preferred = lang_from_telegram(args.lang)
    if args.json:
        for line in sys.stdin:
            question = line.rstrip("\n")
            reply = respond(content, matcher, question, preferred)
            print(json.dumps(as_json(question, reply), ensure_ascii=False), flush=True)
        return exits.OK
    if not args.question:
        print(
            "renewal-bot ask: give a question, or use --json with questions on stdin",
            file=sys.stderr,
        )
        return exits.CONFIG
    from bot.i18n import html_to_text

    reply = respond(content, matcher, " ".join(args.question), preferred)
    print(html_to_text(reply.text))
    return exits.OK
