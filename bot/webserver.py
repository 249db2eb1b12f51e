"""The webhook mode's HTTP routes: Telegram's POSTs and GET /healthz.

Only webhook mode imports this module (and `renewal-bot health` never does).
"""

from __future__ import annotations

import json
from typing import Any

import tornado.web
from telegram import Update
from telegram.ext import Application

from bot.health import heartbeat_report

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateHandler(tornado.web.RequestHandler):
    """POST <webhook path>: one update from Telegram, refused (403) without the secret."""

    def initialize(self, bot_application: Application, secret: str | None) -> None:
        self.bot_application = bot_application
        self.secret = secret

    async def post(self) -> None:
        if self.secret and self.request.headers.get(SECRET_HEADER) != self.secret:
            self.set_status(403)
            return
        try:
            data = json.loads(self.request.body)
        except ValueError:
            self.set_status(400)
            return
        await self.bot_application.update_queue.put(Update.de_json(data, self.bot_application.bot))


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: 200 and the report when the database and scheduler are fine, else 503."""

    def initialize(self, bot_application: Application) -> None:
        self.bot_application = bot_application

    async def get(self) -> None:
        report = await heartbeat_report(self.bot_application)
        healthy = bool(report["db_ok"] and report["scheduler"])
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"healthy": healthy, **report}))


def webhook_routes(application: Application, path: str, secret: str | None) -> list[Any]:
    """The webhook server's two routes: updates on the webhook path, /healthz."""
    return [
        (rf"/{path}/?", UpdateHandler, {"bot_application": application, "secret": secret}),
        (r"/healthz/?", HealthHandler, {"bot_application": application}),
    ]
