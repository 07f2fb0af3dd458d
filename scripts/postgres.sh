#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for the PostgreSQL tests and benchmarks.
#
#   scripts/postgres.sh start [DIR] [PORT]   initdb (if DIR is new) and start; prints the URL
#   scripts/postgres.sh stop  [DIR]          stop it
#
# Runs the server as the `postgres` user when started as root (initdb refuses root), listens
# on 127.0.0.1 only, trusts local connections (a test cluster: no password), uses the C
# collation (text sorts by code point, as in SQLite) and commits without waiting for the
# disk, as SQLite's WAL mode with synchronous=NORMAL does (a crash of the machine may lose
# the last commits, never corrupt the cluster).
set -euo pipefail
command=${1:-}
dir=${2:-/tmp/proactive-benefits-pg}
port=${3:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
    echo "no PostgreSQL server here: apt-get install -y postgresql" >&2
    exit 1
fi
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$command" in
start)
    if [ ! -s "$dir/PG_VERSION" ]; then
        mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir"
        as_owner "$bin/initdb" -D "$dir" -U postgres -E UTF8 --locale=C --auth=trust >/dev/null
    fi
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o \
        "-p $port -k $dir -c listen_addresses=127.0.0.1 -c synchronous_commit=off -c max_connections=200" \
        start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    ;;
*)
    echo "usage: scripts/postgres.sh start|stop [DIR] [PORT]" >&2
    exit 2
    ;;
esac
