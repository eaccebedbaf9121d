#!/bin/sh
# A private Samba for Wine's NTLM: Wine's secur32 runs Samba's ntlm_auth, and an acceptor's
# ntlm_auth checks the response through winbindd. This starts a standalone winbindd with its own
# smb.conf (tdbsam, netbios name = this host, so the NTLM domain is that name) and one local
# user, all under $CREDSSP_WINE_DIR/samba, except the winbindd socket: libwbclient (which
# ntlm_auth uses) only looks in its compiled-in /run/samba/winbindd, so that directory is used
# and an already running system winbindd is refused rather than replaced.
#
#   samba.sh start   prints the environment (KEY=VALUE lines) that ntlm_auth needs
#   samba.sh stop
# Needs: apt-get install winbind (winbindd, ntlm_auth, smbpasswd); root for smbpasswd -a.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
wine_dir=${CREDSSP_WINE_DIR:-$root/build/wine}
dir="$wine_dir/samba"
conf="$dir/smb.conf"
# NetBIOS names are at most 15 characters, upper case.
netbios=$(hostname -s | cut -c1-15 | tr '[:lower:]' '[:upper:]')
user=${CREDSSP_WINE_USER:-$(id -un)}
password=${CREDSSP_WINE_PASSWORD:-Wine-Test-Pa55}

socket_dir=/run/samba/winbindd

stop() {
  # winbindd starts samba-dcerpcd on demand; stop both, by the pids they wrote.
  for pid_file in "$dir/winbindd.pid" "$dir/run/samba-dcerpcd.pid"; do
    if [ -f "$pid_file" ]; then
      kill "$(cat "$pid_file")" 2>/dev/null || true
      rm -f "$pid_file"
    fi
  done
}

start() {
  stop
  if [ -S "$socket_dir/pipe" ] && wbinfo -p >/dev/null 2>&1; then
    echo "samba.sh: a winbindd is already running on $socket_dir; stop it first" >&2
    exit 1
  fi
  mkdir -p "$dir/private" "$dir/lock" "$dir/state" "$dir/cache" "$dir/run" "$dir/ncalrpc" "$socket_dir"
  chmod 0755 "$socket_dir"
  cat >"$conf" <<CONF
[global]
  netbios name = $netbios
  workgroup = $netbios
  server role = standalone server
  security = user
  passdb backend = tdbsam:$dir/private/passdb.tdb
  private dir = $dir/private
  lock directory = $dir/lock
  state directory = $dir/state
  cache directory = $dir/cache
  pid directory = $dir/run
  ncalrpc dir = $dir/ncalrpc
  winbindd socket directory = $socket_dir
  log file = $dir/log.%m
  log level = 1
  ntlm auth = ntlmv2-only
CONF
  printf '%s\n%s\n' "$password" "$password" | smbpasswd -c "$conf" -s -a "$user" >/dev/null
  winbindd -F -s "$conf" --no-process-group </dev/null >"$dir/winbindd.out" 2>&1 &
  echo $! >"$dir/winbindd.pid"
  # Ready when ntlm_auth can check a password through it.
  tries=0
  until ntlm_auth --configfile="$conf" --username="$user" --domain="$netbios" --password="$password" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 50 ]; then
      echo "samba.sh: winbindd did not answer; see $dir/winbindd.out and $dir/log.*" >&2
      cat "$dir/winbindd.out" >&2
      stop
      exit 1
    fi
    sleep 0.2
  done
  echo "SMB_CONF_PATH=$conf"
  echo "CREDSSP_WINE_DOMAIN=$netbios"
  echo "CREDSSP_WINE_USER=$user"
  echo "CREDSSP_WINE_PASSWORD=$password"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: samba.sh start|stop" >&2
    exit 2
    ;;
esac
