# A small image of the bot: python -m bot (long polling, or a webhook with BOT_WEBHOOK_URL).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DATA_DIR=/data \
    BOT_WEBHOOK_LISTEN=0.0.0.0 \
    BOT_WEB_LISTEN=0.0.0.0

# The bot's user: uid and gid 10001 own /data (a bind mount must be writable by them).
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /data && chown bot:bot /data

WORKDIR /app

# Locked dependencies, every file checked against its hash, in a layer of their own: a change
# to the code reuses it. Refresh requirements.lock with the command in the README.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# The code. Editable install keeps bot/ and locales/ side by side in /app; its build backend
# (setuptools) comes from the lock file above; translations compiled now.
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY locales ./locales
RUN pip install --no-deps --no-build-isolation -e . \
    && pybabel compile -d locales -D messages

USER bot
VOLUME ["/data"]
# 8443: the webhook (python -m bot with BOT_WEBHOOK_URL); 8080: the web chat (python -m bot web).
EXPOSE 8443 8080
# Exit 0 when the bot's status file (/data/health.json) is fresh and healthy, 1 otherwise.
# A container running `web` checks its own with --health-cmd "python -m bot health --web".
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot", "health"]
ENTRYPOINT ["python", "-m", "bot"]
