#!/bin/sh
# Builds dist/ (npm run build: scripts/build.ts) unless dist/cli.js is newer than every file the build reads (src/,
# the JSON Schemas it compiles ahead, the build script and its tsconfig files), so `npm start` and
# `npm run badorigin` run compiled JavaScript in one node process, without a build on every start. One build at a
# time where flock(1) exists (util-linux): a caller that finds a build running (npm start during npm pack) waits on
# a lock on dist/, then finds dist/ fresh. A failed build removes dist/cli.js, so the next start builds again
# instead of running what the failed build emitted.
set -eu
cd "$(dirname "$0")/.."
mkdir -p dist
build='
  if [ -e dist/cli.js ] && [ -z "$(find src schema scripts/build.ts tsconfig.json tsconfig.build.json -newer dist/cli.js -print -quit)" ]; then
    exit 0
  fi
  npm run --silent build || { rm -f dist/cli.js; exit 1; }
'
if command -v flock >/dev/null 2>&1; then exec flock dist sh -c "$build"; fi
exec sh -c "$build"
