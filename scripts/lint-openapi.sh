#!/usr/bin/env bash
# Lints docs/openapi.yaml with Redocly CLI, a real OpenAPI 3.1 linter (its
# recommended rules; errors fail, warnings are printed). The linter is
# installed from npm once into a cache folder, then reused: a run takes a
# few seconds. Node.js and npm come from scripts/test-deps.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
cache="${PASSERELLE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/passerelle}/redocly"
# Redocly CLI 2 needs Node.js 20 or later; 1.34 runs on Debian's Node.js 18.
version=2.77.0
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  version=1.34.20
fi
bin="$cache/node_modules/.bin/redocly"
if [ ! -x "$bin" ] || [ "$(cat "$cache/.version" 2>/dev/null)" != "$version" ]; then
  echo "lint-openapi: installing @redocly/cli@$version into $cache" >&2
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error "@redocly/cli@$version" </dev/null >&2
  echo "$version" >"$cache/.version"
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
"$bin" lint --format=stylish docs/openapi.yaml </dev/null
