#!/usr/bin/env bash
# Builds, checks and packages the VS Code extension; with --wire also drives a real `latm serve`;
# with --e2e also runs the end-to-end suite in a real VS Code (code-server + Chromium, e2e/).
# Usage: editors/vscode/ci.sh [--wire] [--e2e]   (from anywhere; needs Node 20 and npm; --e2e also
# Debian's chromium, ripgrep, libkrb5-dev, pkg-config and python3-venv, and the test extra of latm)
set -euo pipefail
cd "$(dirname "$0")"

wire=0
e2e=0
for arg in "$@"; do
  case "$arg" in
    --wire) wire=1 ;;
    --e2e) e2e=1 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

step() { echo "== vscode: $*" >&2; }

# @vscode/vsce 3.7 and eslint 9 need Node 20 (Debian bookworm's own nodejs is 18).
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || { echo "editors/vscode needs Node 20 or newer; found $(node --version)" >&2; exit 1; }

step "npm ci"
npm ci --no-audit --no-fund
step "typecheck"
npm run --silent typecheck
step "lint"
npm run --silent lint
step "unit tests"
npm run --silent test
step "build"
npm run --silent build
step "bundle check"
npm run --silent test:bundle
step "package"
npm run --silent package
test -s latm-0.1.0.vsix
if [ "$wire" = 1 ]; then
  step "wire test against python3 -m latm serve"
  npm run --silent test:wire
fi
if [ "$e2e" = 1 ]; then
  step "code-server 4.100.3 (installed once into ~/.cache/latm-ci/code-server)"
  bash e2e/install-code-server.sh >/dev/null
  step "end to end in a real VS Code; failing steps leave screenshots and logs in .latm/e2e-artifacts/"
  "${LATM_PYTHON:-python3}" -m pytest -q -ra --durations=20 -p no:cacheprovider e2e
fi
step "done: $(pwd)/latm-0.1.0.vsix"
