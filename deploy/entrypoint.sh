#!/bin/sh
# Roles of Rakor's container image (deploy/Dockerfile). Every setting comes from the environment
# (deploy/env.example); with DEBUG=0 the app refuses to start half-configured.
set -eu
role="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$role" in
  web|worker|beat)
    # Refuse to start half-configured: one line per missing or unsafe setting (rakor/checks.py).
    python manage.py check --deploy --fail-level ERROR
    ;;
esac
case "$role" in
  web)
    # Several uvicorn workers per node. Forwarded headers are left to the app (TRUSTED_PROXIES,
    # rakor/net.py): one rule decides which proxies are believed.
    [ "${COLLECTSTATIC:-0}" = "1" ] && python manage.py collectstatic --noinput -v0
    # Prometheus multiprocess mode: every worker's metrics in one scrape; emptied at each start.
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/rakor-prometheus}"
    rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    exec uvicorn rakor.asgi:application --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" \
      --workers "${WEB_WORKERS:-4}" --lifespan off --no-proxy-headers --no-server-header \
      --timeout-keep-alive "${WEB_KEEPALIVE_SECONDS:-75}" --timeout-graceful-shutdown 20 "$@"
    ;;
  worker)
    # One worker per queue (or a list); the default listens to every queue: periodic (also the queue of
    # any task without a route), certificates and email.
    exec celery -A rakor worker -l "${CELERY_LOG_LEVEL:-info}" \
      -Q "${1:-${CELERY_QUEUES:-periodic,certificates,email}}" \
      --concurrency "${WORKER_CONCURRENCY:-2}" --hostname "%h-${1:-all}"
    ;;
  beat)
    # Exactly one beat for the whole installation.
    exec celery -A rakor beat -l "${CELERY_LOG_LEVEL:-info}" --schedule /opt/rakor/app/var/celerybeat-schedule
    ;;
  migrate)
    exec python manage.py migrate --noinput "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
