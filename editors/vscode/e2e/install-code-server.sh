#!/usr/bin/env bash
# Installs code-server 4.100.3 (a built VS Code 1.100.3, the last line for Node 20) into a cache
# directory outside the repository, offline-safe: native modules build against /usr/include/node,
# and @vscode/ripgrep's download is replaced by Debian's ripgrep. Prints the code-server binary.
# Usage: install-code-server.sh [CACHE_DIR]   (default ~/.cache/latm-ci/code-server)
set -euo pipefail
version=4.100.3
dir=${1:-${LATM_CODE_SERVER_DIR:-$HOME/.cache/latm-ci/code-server}}
bin=$dir/node_modules/.bin/code-server

installed() {  # read from package.json: `code-server --version` would write ~/.config/code-server
  node -e 'process.stdout.write(require(process.argv[1]).version)' "$dir/node_modules/code-server/package.json" 2>/dev/null
}
if [ -x "$bin" ] && [ "$(installed)" = "$version" ]; then
  echo "$bin"; exit 0
fi
for tool in rg pkg-config krb5-config; do
  command -v "$tool" >/dev/null || {
    echo "code-server needs '$tool' (Debian: apt-get install ripgrep pkg-config libkrb5-dev)" >&2; exit 1; }
done

# @vscode/ripgrep 1.15.11 downloads this tarball unless it is already in its cache.
cache=${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11
tarball=$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
if [ ! -s "$tarball" ]; then
  mkdir -p "$cache"
  stage=$(mktemp -d)
  cp "$(command -v rg)" "$stage/rg"
  tar -C "$stage" -czf "$tarball.part" rg && mv "$tarball.part" "$tarball"
  rm -rf "$stage"
fi

mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"private": true}' > package.json
npm_config_nodedir=/usr npm_config_yes=true \
  npm install --unsafe-perm --no-audit --no-fund --loglevel=error "code-server@$version" >&2
[ "$(installed)" = "$version" ] || { echo "code-server $version did not install in $dir" >&2; exit 1; }
echo "$bin"
