# renewal-bot: the Telegram bot as a container. The SQLite database lives on a volume:
#
#   docker build -t renewal-bot .
#   docker volume create renewal-bot-data
#   docker run -d --name renewal-bot --restart unless-stopped \
#       --env-file /etc/renewal-bot/env -v renewal-bot-data:/data renewal-bot
#
# `docker stop` sends SIGTERM: the bot stops polling, finishes the sends in flight and
# closes the database (allow it the default 10 s or more: `docker stop -t 30`).

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
RUN pip install --no-cache-dir "uv==0.13.9"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON_PREFERENCE=only-system
WORKDIR /app
# Dependencies first (cached while only the code changes), then the project itself.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-install-project --no-editable
COPY README.md ./
COPY bot ./bot
COPY content ./content
# --no-editable: the project goes into the venv as its wheel would, content included
# (bot/_content), so the venv alone is the application.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-editable \
    && cd / && /app/.venv/bin/renewal-bot check-content

FROM python:${PYTHON_VERSION}-slim
# Only the virtualenv is copied (the sources stay in the build stage); only /data is written.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir /data && chown bot:bot /data
COPY --from=build /app/.venv /app/.venv
WORKDIR /app
USER bot
# Set by the image: the database on the volume, the webhook server reachable from outside
# the container. The --env-file may set TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL,
# DEFAULT_TIMEZONE, ADMIN_IDS, PRIVACY_CONTACT, LOG_LEVEL, WEBHOOK_URL and WEBHOOK_SECRET; it overrides
# these ENV values, so leave DATABASE_PATH, WEBHOOK_LISTEN and WEBHOOK_PORT out of it
# (.env.example has them commented out).
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/bot.sqlite3 \
    WEBHOOK_LISTEN=0.0.0.0 \
    WEBHOOK_PORT=8443 \
    LOG_LEVEL=INFO
VOLUME ["/data"]
# Only used in webhook mode (WEBHOOK_URL set); put TLS in front (reverse proxy).
EXPOSE 8443
STOPSIGNAL SIGTERM
# Unhealthy when the DB is unreachable, the scheduler stopped, or (polling) no successful
# getUpdates for 2 minutes. Reads the heartbeat file next to the database.
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 \
    CMD ["renewal-bot", "health"]
CMD ["renewal-bot", "run"]
