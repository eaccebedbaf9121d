#!/usr/bin/env bash
# MIT Kerberos' own figure for an AP exchange with one wrap/unwrap each way, in one process
# (mit-ap-exchange.c): the reference `kerberosApOverMit` divides by. A throwaway realm in a temp
# dir on 127.0.0.1 (krb5-kdc, krb5-admin-server, krb5-user, libkrb5-dev), torn down at the end.
# MIT's file replay cache syncs to disk on every AP-REQ; it is measured with it (the default) and
# without (KRB5RCACHETYPE=none, closer to an in-memory cache).
# usage: scripts/bench/mit-reference.sh [ITERATIONS]   prints two JSON lines
set -euo pipefail
iterations=${1:-2000}
dir=$(mktemp -d)
kdc_pid=
cleanup() {
  [ -n "$kdc_pid" ] && kill "$kdc_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$dir/krb5.conf" <<CONF
[libdefaults]
 default_realm = BENCH.TEST
 dns_lookup_kdc = false
 dns_canonicalize_hostname = false
 rdns = false
[realms]
 BENCH.TEST = {
  kdc = 127.0.0.1:$port
 }
CONF
cat >"$dir/kdc.conf" <<CONF
[kdcdefaults]
 kdc_listen = 127.0.0.1:$port
 kdc_tcp_listen = 127.0.0.1:$port
[realms]
 BENCH.TEST = {
  database_name = $dir/principal
  key_stash_file = $dir/stash
  acl_file = $dir/kadm5.acl
  supported_enctypes = aes256-cts-hmac-sha1-96:normal
 }
CONF
export KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf"
export KRB5CCNAME="FILE:$dir/ccache" KRB5_KTNAME="FILE:$dir/http.keytab" KRB5RCACHEDIR="$dir"
master=$(head -c 24 /dev/urandom | base64)
user=$(head -c 24 /dev/urandom | base64)
kdb5_util create -s -r BENCH.TEST -P "$master" >/dev/null
kadmin.local -q "addprinc -pw $user alice" >/dev/null 2>&1
kadmin.local -q "addprinc -randkey HTTP/bench.test" >/dev/null 2>&1
kadmin.local -q "ktadd -k $dir/http.keytab HTTP/bench.test" >/dev/null
krb5kdc -n -P "$dir/kdc.pid" 2>/dev/null &
kdc_pid=$!
for _ in $(seq 50); do ss -ltn | grep -q ":$port " && break; sleep 0.1; done
echo "$user" | kinit alice >/dev/null
gcc -O2 -Wall -o "$dir/mit-ap-exchange" "$(dirname "$0")/mit-ap-exchange.c" -lgssapi_krb5
"$dir/mit-ap-exchange" HTTP@bench.test "$iterations"
KRB5RCACHETYPE=none "$dir/mit-ap-exchange" HTTP@bench.test "$iterations"
