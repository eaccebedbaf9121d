#!/bin/sh
# Cross-build the native addon for Windows x64 on Linux with Debian's mingw-w64, into
# build/Release/credssp.node, where node-gyp-build looks first (as after a node-gyp build), for
# the Wine tests only: it is never published. The published prebuilds come from one builder,
# prebuildify with MSVC on the Windows runner (.github/workflows/windows.yml), which names them
# prebuilds/win32-<arch>/credssp.node.
#
# Needs: apt-get install mingw-w64. The posix thread model is required: node-addon-api uses
# std::mutex, which the win32 model lacks; -static keeps libstdc++/winpthread out of the DLL's
# imports, so the .node needs nothing but system DLLs and node.exe.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cxx=${CXX_WIN:-x86_64-w64-mingw32-g++-posix}
dlltool=${DLLTOOL_WIN:-x86_64-w64-mingw32-dlltool}
out_dir="$root/build/win-cross"
release_dir="$root/build/Release"

for tool in "$cxx" "$dlltool"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-win-cross: $tool not found; install it with: apt-get install mingw-w64" >&2
    exit 1
  fi
done

headers=$(node -p "require('node-api-headers').include_dir")
def_file=$(node -p "require('path').join(require.resolve('node-api-headers/package.json'), '..', 'def', 'node_api.def')")
addon_api=$(node -p "require('node-addon-api').include_dir")

mkdir -p "$out_dir" "$release_dir"
# The import library for the Node-API symbols node.exe exports.
"$dlltool" -d "$def_file" -l "$out_dir/libnode_api.a"

objects=""
for source in "$root"/src-native/*.cc; do
  object="$out_dir/$(basename "$source" .cc).o"
  "$cxx" -c "$source" -o "$object" \
    -std=c++17 -O2 -Wall -Wextra -Werror \
    -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \
    -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS \
    -D_WIN32_WINNT=0x0A00 -DWINVER=0x0A00 \
    -I"$headers" -I"$addon_api" -DNODE_GYP_MODULE_NAME=credssp
  objects="$objects $object"
done

# shellcheck disable=SC2086 # $objects is a list of paths without spaces (build/win-cross/*.o)
"$cxx" -shared -static -s -o "$release_dir/credssp.node" $objects \
  "$out_dir/libnode_api.a" -lsecur32 -lcrypt32 -lncrypt

echo "build-win-cross: wrote build/Release/credssp.node"
