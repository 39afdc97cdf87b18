# A small image of the bot: python -m bot (long polling, or a webhook with BOT_WEBHOOK_URL).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DATA_DIR=/data \
    BOT_WEBHOOK_LISTEN=0.0.0.0

WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY locales ./locales

# Editable install keeps bot/ and locales/ side by side in /app; translations compiled now.
RUN pip install -e . \
    && pybabel compile -d locales -D messages \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /data && chown bot:bot /data

USER bot
VOLUME ["/data"]
EXPOSE 8443
ENV BOT_WEB_LISTEN=0.0.0.0
EXPOSE 8080
ENTRYPOINT ["python", "-m", "bot"]
