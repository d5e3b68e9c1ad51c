#!/usr/bin/env bash
# Renders every stack of a checkout, for the pull-request "rendered diff" (.github/workflows/preview.yml).
#
#   scripts/render-all.sh --list <checkout>          print the stack names, one per line, sorted
#   scripts/render-all.sh <checkout> <out-dir>       render each stack into <out-dir>/<stack>
#   scripts/render-all.sh --stack <name> <checkout> <out-dir>
#                                                    render only that stack, if the checkout has it
#                                                    (`npm run preview`)
#
# A stack is a Pulumi.<stack>.yaml file at the top of the checkout (Pulumi.yaml itself is the
# project, not a stack). Rendering runs the checkout's own `npm run render`, so the base commit is
# rendered with the base commit's code; it needs no Pulumi CLI, backend, secrets or Docker.
#
# - If the checkout has no `render` npm script (a commit older than the command), nothing is
#   rendered and <out-dir>/.render-unavailable is written: every stack of the other side then
#   shows as added. Exit status 0.
# - If a stack fails to render, <out-dir>/<stack>/RENDER_FAILED holds its output, the other stacks
#   are still rendered, and the exit status is 1 at the end.
set -euo pipefail

usage() {
  echo "usage: $0 --list <checkout> | $0 [--stack <name>] <checkout> <out-dir>" >&2
  exit 2
}

list_stacks() {
  local dir="$1" f name
  for f in "$dir"/Pulumi.*.yaml; do
    [ -f "$f" ] || continue
    name="$(basename "$f")"
    name="${name#Pulumi.}"
    name="${name%.yaml}"
    [ -n "$name" ] && printf '%s\n' "$name"
  done | LC_ALL=C sort
}

if [ "${1:-}" = "--list" ]; then
  [ $# -eq 2 ] || usage
  list_stacks "$2"
  exit 0
fi
only=""
if [ "${1:-}" = "--stack" ]; then
  [ $# -eq 4 ] && [ -n "$2" ] || usage
  only="$2"
  shift 2
fi
[ $# -eq 2 ] || usage

checkout="$(cd "$1" && pwd)"
mkdir -p "$2"
out="$(cd "$2" && pwd)"

has_render="$(cd "$checkout" && node -e '
  const fs = require("fs");
  let pkg = {};
  try { pkg = JSON.parse(fs.readFileSync("package.json", "utf8")); } catch { /* no package.json */ }
  process.stdout.write(pkg.scripts && pkg.scripts.render ? "yes" : "no");
')"
if [ "$has_render" != "yes" ]; then
  echo "No 'render' npm script in $checkout: nothing rendered." >&2
  echo "no render script in this commit" > "$out/.render-unavailable"
  exit 0
fi

failed=0
while IFS= read -r stack; do
  [ -n "$stack" ] || continue
  tmp="$(mktemp -d)"
  log="$(mktemp)"
  mkdir -p "$tmp/$stack"
  echo "::group::render $stack ($checkout)"
  if (cd "$checkout" && npm run --silent render -- --stack "$stack" --out "$tmp/$stack") >"$log" 2>&1; then
    cat "$log"
    rm -rf "${out:?}/$stack"
    mv "$tmp/$stack" "$out/$stack"
  else
    cat "$log"
    echo "::error::render failed for stack $stack in $checkout"
    rm -rf "${out:?}/$stack"
    mkdir -p "$out/$stack"
    cp "$log" "$out/$stack/RENDER_FAILED"
    failed=1
  fi
  echo "::endgroup::"
  rm -rf "$tmp" "$log"
done < <(list_stacks "$checkout" | if [ -n "$only" ]; then grep -Fx -- "$only" || true; else cat; fi)

exit "$failed"
