#!/bin/sh
# Install the Debian packages the test suite needs, when they are missing.
set -e
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v msgfmt >/dev/null 2>&1 || missing="$missing gettext"
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
ls /usr/lib/*/libpango-1.0.so.0 >/dev/null 2>&1 || missing="$missing libpango-1.0-0"
ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 || missing="$missing libpangoft2-1.0-0"
ls /usr/lib/*/libharfbuzz-subset.so.0 >/dev/null 2>&1 || missing="$missing libharfbuzz-subset0"
# pg_dump and pg_restore: backups and restores of a PostgreSQL shop.
command -v pg_restore >/dev/null 2>&1 || missing="$missing postgresql-client"
# wrk and nginx: bench/http_bench.py only, so only when asked with
# WITH_BENCH_TOOLS=1 (the tests do not need them).
if [ "${WITH_BENCH_TOOLS:-0}" = "1" ]; then
    command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
    [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$missing nginx-light"
fi
if [ -z "$missing" ]; then
    echo "== System packages present =="
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "Missing system packages:$missing (run as root, or install them with apt-get)" >&2
    exit 1
fi
echo "== Installing system packages:$missing =="
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
