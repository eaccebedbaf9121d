#!/usr/bin/env bash
# MIT Kerberos' own figure for an AP exchange with one wrap/unwrap each way, in one process
# (mit-ap-exchange.c): the reference `kerberosApOverMit` divides by. A throwaway realm BENCH.TEST
# in a temp dir on 127.0.0.1 (krb5-kdc, krb5-admin-server, krb5-user, libkrb5-dev, gcc): alice
# (password in DIR/alice.password) with a TGT and a ticket for HTTP/bench.test in DIR/ccache
# (kinit, kvno), the service's keys in DIR/http.keytab, aes256-cts-hmac-sha1-96 only.
# MIT's file replay cache reads and writes a file on every AP-REQ; it is measured with it (the default) and
# without (KRB5RCACHETYPE=none, closer to an in-memory cache).
#
# usage: mit-reference.sh [ITERATIONS]     a realm, both figures (two JSON lines), torn down
#        mit-reference.sh up DIR           a realm in the empty DIR, its KDC left running; prints
#                                          one JSON line: {"realm","kdc","service","dir"}
#        mit-reference.sh measure DIR ITERATIONS file|none   one JSON line, with that rcache
#        mit-reference.sh down DIR         stop DIR's KDC and remove DIR
# Exits 3 with the reason on stderr when a tool is missing (npm run bench then reports null).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../peers/mit-realm.sh
. "$here/../peers/mit-realm.sh"

missing() {
  local tool
  for tool in kdb5_util kadmin.local krb5kdc kinit kvno gcc python3 ss; do
    command -v "$tool" >/dev/null || {
      echo "$tool"
      return
    }
  done
  [ -f /usr/include/gssapi/gssapi_krb5.h ] || echo "gssapi/gssapi_krb5.h (libkrb5-dev)"
}

up() {
  local dir=$1 port master
  port=$(mit_free_port)
  mit_realm_conf "$dir" BENCH.TEST "$port"
  mit_use_realm "$dir"
  master=$(head -c 24 /dev/urandom | base64)
  (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '\n' >"$dir/alice.password")
  kdb5_util create -s -r BENCH.TEST -P "$master" >/dev/null
  kadmin.local -q "addprinc -pw $(cat "$dir/alice.password") alice" >/dev/null 2>&1
  kadmin.local -q "addprinc -randkey HTTP/bench.test" >/dev/null 2>&1
  kadmin.local -q "ktadd -k $dir/http.keytab HTTP/bench.test" >/dev/null
  mit_start_kdc "$dir" "$port"
  kinit alice <"$dir/alice.password" >/dev/null
  kvno HTTP/bench.test >/dev/null
  gcc -O2 -Wall -o "$dir/mit-ap-exchange" "$here/mit-ap-exchange.c" -lgssapi_krb5
  echo "{\"realm\":\"BENCH.TEST\",\"kdc\":\"127.0.0.1:$port\",\"service\":\"HTTP/bench.test\",\"dir\":\"$dir\"}"
}

measure() {
  mit_use_realm "$1"
  case $3 in
  file) "$1/mit-ap-exchange" HTTP@bench.test "$2" ;;
  none) KRB5RCACHETYPE=none "$1/mit-ap-exchange" HTTP@bench.test "$2" ;;
  *) echo "measure: the replay cache is 'file' or 'none', not '$3'" >&2 && exit 2 ;;
  esac
}

down() {
  mit_stop_kdc "$1"
  rm -rf "$1"
}

lacking=$(missing)
if [ -n "$lacking" ]; then
  echo "MIT Kerberos reference unavailable: no $lacking" >&2
  exit 3
fi
case ${1:-} in
up) up "$2" ;;
measure) measure "$2" "$3" "$4" ;;
down) down "$2" ;;
*)
  iterations=${1:-2000}
  dir=$(mktemp -d)
  trap 'down "$dir"' EXIT
  up "$dir" >/dev/null
  measure "$dir" "$iterations" file
  measure "$dir" "$iterations" none
  ;;
esac
