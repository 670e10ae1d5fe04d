#!/usr/bin/env bash
# A third-party MCP client, the MCP Inspector (its command-line mode), lists and calls tools of
# `latm mcp` over stdio and over streamable HTTP, against the real sandbox. The Inspector needs
# Node >= 22.19: Node 22 and the Inspector come from the npm registry (the `node` package ships the
# runtime) into a cache folder outside the repository, pinned by tests/mcp/inspector/package-lock.json.
# Usage: tests/mcp/inspector_check.sh   (from anywhere; needs python3 with latm, npm, Docker)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${LATM_CI_CACHE:-$HOME/.cache/latm-ci}/inspector"
work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
step() { echo "== inspector: $*" >&2; }

step "install Node 22 and the Inspector into $cache"
mkdir -p "$cache"
cp "$here/inspector/package.json" "$here/inspector/package-lock.json" "$here/inspector/.npmrc" "$cache/"
# `npm install` (not `ci`): npm leaves a platform-only optional dependency of vite out of the lock,
# which `npm ci` refuses; with the lock present `install` still takes the locked versions.
(cd "$cache" && npm install --no-audit --no-fund --loglevel=error)
export PATH="$cache/node_modules/.bin:$PATH"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' \
  || { echo "the Inspector needs Node 22; found $(node --version)" >&2; exit 1; }
step "Node $(node --version), Inspector $(mcp-inspector --cli --version)"

mkdir -p "$work/project"
cp -r "$here/../../toolbox" "$work/project/toolbox"
# The user has read the committed tools: `latm mcp` offers agents only tools the user trusts.
HOME="$work" XDG_STATE_HOME="$work/state" python3 -m latm trust --tool word_sorting dyck_languages chinese_remainder_theorem --root "$work/project" >&2
latm=(python3 -m latm mcp --root "$work/project")
env_args=(-e LATM_SANDBOX=docker -e "HOME=$work" -e "XDG_STATE_HOME=$work/state")
# The Inspector refuses an empty value (`-e PYTHONPATH=`), so PYTHONPATH goes along only when set.
[ -n "${PYTHONPATH:-}" ] && env_args+=(-e "PYTHONPATH=$PYTHONPATH")
# Likewise the image a whole run was pointed at (the Inspector starts the server with its own environment).
[ -n "${LATM_SANDBOX_IMAGE:-}" ] && env_args+=(-e "LATM_SANDBOX_IMAGE=$LATM_SANDBOX_IMAGE")

check() {  # check WHAT FILE PYTHON-EXPRESSION-ON-data
  python3 - "$2" "$3" "$1" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
assert eval(sys.argv[2]), f"{sys.argv[3]}: {json.dumps(data)[:2000]}"
print(f"ok: {sys.argv[3]}", file=sys.stderr)
PY
}

step "stdio: tools/list (--strict: every tool schema portable), tools/call"
mcp-inspector --cli --strict "${env_args[@]}" "${latm[@]}" --method tools/list > "$work/list.json"
check "stdio tools/list" "$work/list.json" \
  '{"latm_solve", "latm_list", "word_sorting", "dyck_languages", "chinese_remainder_theorem"} == {t["name"] for t in data["tools"]}'
mcp-inspector --cli "${env_args[@]}" "${latm[@]}" --method tools/call --tool-name word_sorting \
  --tool-arg 'words=["pear","apple","fig"]' > "$work/call.json"
check "stdio tools/call word_sorting" "$work/call.json" \
  'data["structuredContent"] == {"result": ["apple", "fig", "pear"]} and not data.get("isError")'

step "streamable HTTP: tools/list, tools/call"
HOME="$work" XDG_STATE_HOME="$work/state" LATM_SANDBOX=docker "${latm[@]}" --http 0 2> "$work/server.log" &
server_pid=$!
for _ in $(seq 120); do grep -q "MCP endpoint: http" "$work/server.log" && break; sleep 1; done
url="$(grep -o 'http://[^ ]*/mcp' "$work/server.log" | head -1)"
[ -n "$url" ] || { cat "$work/server.log" >&2; echo "latm mcp --http gave no endpoint" >&2; exit 1; }
mcp-inspector --cli "$url" --transport http --method tools/list > "$work/http-list.json"
check "HTTP tools/list" "$work/http-list.json" '"dyck_languages" in {t["name"] for t in data["tools"]}'
mcp-inspector --cli "$url" --transport http --method tools/call --tool-name latm_solve \
  --tool-arg 'question=Sort the following words alphabetically: List: pear apple fig' > "$work/http-solve.json"
check "HTTP tools/call latm_solve" "$work/http-solve.json" \
  'data["structuredContent"]["answer"] == "apple fig pear" and data["structuredContent"]["path"] == "parser"'
step "done"
