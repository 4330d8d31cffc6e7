# Sourced: starts Postgres and Redis on their local ports when they are not running (the
# machine's own start commands), and waits until both answer.

services_log() { printf '\n== %s\n' "$*"; }
postgres_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

ensure_services() {
  if ! postgres_up; then
    services_log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  if ! redis_up; then
    services_log "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  for _ in $(seq 1 60); do
    if postgres_up && redis_up; then break; fi
    sleep 1
  done
  postgres_up || { echo "PostgreSQL did not come up"; return 1; }
  redis_up || { echo "Redis did not come up"; return 1; }
}
