# citebot: answers with quoted, cited passages. Build: docker build -t citebot .
# Run the bot:          docker run -d --env-file .env -v citebot-data:/data citebot
# Ask without Discord:  docker run --rm -v citebot-data:/data citebot ask "Where did they first meet?"
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CITEBOT_DATA=/data

RUN useradd --create-home --uid 10001 citebot \
    && mkdir -p /data && chown citebot:citebot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install .

USER citebot
# Index, answer cache and reports live here; mount a volume to keep them across containers.
VOLUME ["/data"]
# The bot runs as PID 1: it handles SIGTERM itself (loop.add_signal_handler), finishes what is in
# flight and exits 0 within `docker stop`'s 10 s. No init (tini) is needed: citebot starts no
# child processes to reap; `docker run --init` adds one if you want it anyway.
STOPSIGNAL SIGTERM
ENTRYPOINT ["citebot"]
CMD ["run"]
