#!/usr/bin/env bash
# Sets up everything djhelm's tests and examples need on a fresh machine:
# a virtualenv with djhelm and its test dependencies, Helm 3 and Helm 4, PostgreSQL server binaries, and
# Prometheus with promtool.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! command -v initdb >/dev/null 2>&1 && [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL server binaries are missing: install the Debian package 'postgresql'" >&2
    exit 2
  fi
fi

# Prometheus and promtool (Debian's package): the monitoring tests load the chart's rules and scrape the examples.
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
  else
    echo "Prometheus is missing: install the Debian package 'prometheus' (it ships promtool)" >&2
    exit 2
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]' 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c "import djhelm, django, psycopg, pglast" # fails loudly when the install above did not work
scripts/install-helm.sh >/dev/null
echo "djhelm set up: .venv/bin/djhelm, helm binaries in .tools/bin"
