"""Command line: chat, ask, run, health, backup, check-content."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from bot.config import ConfigError, Settings, load_settings


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
        if args.command == "health":
            return health_command(settings, as_json=args.json)
        if args.command == "run":
            from bot.logs import setup_logging
            from bot.service import run

            token = settings.require_token()  # one clear line before anything starts
            setup_logging(settings.log_level, secrets=[token])
            return run(settings)
        logging.basicConfig(level=logging.WARNING)
        from bot.terminal import run_chat  # "chat", the one command left

        asyncio.run(run_chat(settings, lang=args.lang))
        return 0
    except ConfigError as exc:
        print(f"renewal-bot: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        # bot.content is imported only by the commands that read content (not `health`)
        content = sys.modules.get("bot.content")
        if content is None or not isinstance(exc, content.ContentError):
            raise
        print(f"renewal-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def health_command(settings: Settings, as_json: bool = False) -> int:
    from bot.health_check import check_health, format_health

    healthy, report = check_health(settings)
    print(json.dumps(report) if as_json else format_health(report))
    return 0 if healthy else 1


def check_content() -> int:
    from bot.content import DERIVED_ZH_HANT, load_content, refresh_derived

    content = load_content()
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
    return 0


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
        return 0
    if not args.question:
        print(
            "renewal-bot ask: give a question, or use --json with questions on stdin",
            file=sys.stderr,
        )
        return 2
    from bot.i18n import html_to_text

    reply = respond(content, matcher, " ".join(args.question), preferred)
    print(html_to_text(reply.text))
    return 0
