#!/usr/bin/env bash
# Prints the Python that runs log_config's tests: one that can import jsonschema (Debian's
# python3-jsonschema). $FLIP_TEST_PYTHON if set; otherwise python3 on PATH, then /usr/bin/python3.
# If none can, says so in one line on stderr, naming the package to install, and exits 1.
set -uo pipefail

has_jsonschema() {
  "$1" -c 'import jsonschema' >/dev/null 2>&1
}

if [ -n "${FLIP_TEST_PYTHON:-}" ]; then
  # A Python chosen by name is used or refused, never silently replaced by another.
  if has_jsonschema "$FLIP_TEST_PYTHON"; then
    printf '%s\n' "$FLIP_TEST_PYTHON"
    exit 0
  fi
  echo "python: FLIP_TEST_PYTHON=$FLIP_TEST_PYTHON cannot import jsonschema: install it there, or unset FLIP_TEST_PYTHON and run apt-get install python3-jsonschema" >&2
  exit 1
fi

for candidate in python3 /usr/bin/python3; do
  if has_jsonschema "$candidate"; then
    command -v "$candidate"
    exit 0
  fi
done
echo "python: no Python here can import jsonschema (tried python3 and /usr/bin/python3): run apt-get install python3-jsonschema, or set FLIP_TEST_PYTHON to a Python that has it" >&2
exit 1
