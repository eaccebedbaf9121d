# A throwaway MIT Kerberos realm in a directory on 127.0.0.1, for shell scripts to source
# (scripts/bench/mit-reference.sh, scripts/fixtures/kerberos-messages.sh; the tests have their own
# in test/interop/peers/mit-realm.ts). Needs krb5-kdc, krb5-admin-server, krb5-user, python3, ss.
#
#   mit_free_port                      a free port on 127.0.0.1
#   mit_realm_conf DIR REALM PORT [CLIENT_PORT [LIBDEFAULTS [REALM_SETTINGS]]]
#                                      DIR/krb5.conf and DIR/kdc.conf: the KDC on PORT (UDP and
#                                      TCP), clients sent to CLIENT_PORT (default PORT; a relay may
#                                      sit between), aes256-cts-hmac-sha1-96 only, and the extra
#                                      [libdefaults] lines and [realms] settings given, as text
#   mit_use_realm DIR                  MIT's variables for DIR: configuration, ccache, keytab, rcache
#   mit_start_kdc DIR PORT             krb5kdc in the background (its pid in DIR/kdc.pid), returning
#                                      once it listens on PORT
#   mit_stop_kdc DIR                   stop DIR's KDC, if it runs
# The realm's database is the caller's to make (kdb5_util create, kadmin.local), after mit_use_realm.

export PATH="$PATH:/usr/sbin:/sbin" # where Debian puts krb5kdc, kdb5_util and kadmin.local

mit_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mit_realm_conf() {
  local dir=$1 realm=$2 port=$3 client_port=${4:-$3}
  local libdefaults=${5:+$5$'\n'} settings=${6:+$6$'\n'}
  cat >"$dir/krb5.conf" <<CONF
[libdefaults]
 default_realm = $realm
 dns_lookup_kdc = false
 dns_canonicalize_hostname = false
 rdns = false
${libdefaults}[realms]
 $realm = {
  kdc = 127.0.0.1:$client_port
 }
CONF
  cat >"$dir/kdc.conf" <<CONF
[kdcdefaults]
 kdc_listen = 127.0.0.1:$port
 kdc_tcp_listen = 127.0.0.1:$port
[realms]
 $realm = {
  database_name = $dir/principal
  key_stash_file = $dir/stash
  acl_file = $dir/kadm5.acl
  supported_enctypes = aes256-cts-hmac-sha1-96:normal
${settings} }
CONF
}

mit_use_realm() {
  export KRB5_CONFIG="$1/krb5.conf" KRB5_KDC_PROFILE="$1/kdc.conf"
  export KRB5CCNAME="FILE:$1/ccache" KRB5_KTNAME="FILE:$1/http.keytab" KRB5RCACHEDIR="$1"
}

mit_start_kdc() {
  # Its output away from ours: a caller reading our stdout to its end would wait for the KDC.
  krb5kdc -n </dev/null >/dev/null 2>&1 &
  echo $! >"$1/kdc.pid"
  for _ in $(seq 50); do
    ss -lun | grep -q ":$2 " && ss -ltn | grep -q ":$2 " && return
    sleep 0.1
  done
}

mit_stop_kdc() {
  if [ -f "$1/kdc.pid" ]; then kill "$(cat "$1/kdc.pid")" 2>/dev/null || true; fi
}
