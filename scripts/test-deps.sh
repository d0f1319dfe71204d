#!/usr/bin/env bash
# Installs what the tests drive for real when it is missing: PostgreSQL's
# server programs (initdb, pg_ctl), Chromium, and Node.js with npm for the
# OpenAPI linter (scripts/lint-openapi.sh installs the linter itself).
# Debian only; needs root (or sudo) the first time.
set -euo pipefail

need=()
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null 2>&1; then
  need+=(postgresql)
fi
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && [ -z "${CHROME_PATH:-}" ]; then
  need+=(chromium fonts-dejavu-core)
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  need+=(nodejs npm)
fi
if ! id postgres >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  need+=(postgresql)
fi
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "test-deps: missing ${need[*]} and not root: install them with apt-get" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: missing ${need[*]}: install them with your package manager" >&2
  exit 1
fi
echo "test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq "${need[@]}" >/dev/null
