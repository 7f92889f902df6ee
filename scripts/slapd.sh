#!/usr/bin/env bash
# Run a private OpenLDAP slapd for development and tests: loopback only, its own config
# (slapd.conf via -f) and database under a state directory, no systemd, never the system's
# instance. Loads test/fixtures/ldap/*.ldif on first start. StartTLS is offered with a
# self-signed CA the script makes with openssl ($STATE_DIR/tls/ca.pem).
# Usage: scripts/slapd.sh start|stop|status|url
#
# Environment (all optional):
#   STACKGATE_SLAPD_DIR    state directory (default /tmp/stackgate-slapd)
#   STACKGATE_SLAPD_PORT   port on 127.0.0.1 (default 3890)
#
# Directory facts the tests rely on: suffix dc=stackgate,dc=test, bind DN
# cn=admin,dc=stackgate,dc=test with password "admin-secret".
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE_DIR="${STACKGATE_SLAPD_DIR:-/tmp/stackgate-slapd}"
PORT="${STACKGATE_SLAPD_PORT:-3890}"
URL="ldap://127.0.0.1:${PORT}/"
SUFFIX="dc=stackgate,dc=test"
ROOT_DN="cn=admin,${SUFFIX}"
ROOT_PW="admin-secret"
FIXTURES="$ROOT/test/fixtures/ldap"
CONF="$STATE_DIR/slapd.conf"
PID_FILE="$STATE_DIR/slapd.pid"

ensure_installed() {
  if [[ -x /usr/sbin/slapd && -x /usr/bin/ldapsearch ]]; then return; fi
  echo "slapd/ldap-utils are not installed; installing them with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Without this the package would build and start a system directory of its own.
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if apt-get install -y --no-install-recommends slapd ldap-utils >&2; then break; fi
    echo "apt-get failed (dpkg may be locked), retry $attempt" >&2
    sleep 10
  done
  [[ -x /usr/sbin/slapd ]] || { echo "could not install slapd" >&2; exit 1; }
}

make_tls() {
  local tls="$STATE_DIR/tls"
  [[ -f "$tls/server.pem" ]] && return
  mkdir -p "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=stackgate test LDAP CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tls/ext.cnf"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
    -days 3650 -extfile "$tls/ext.cnf" -out "$tls/server.pem" 2>/dev/null
  chmod 600 "$tls/server.key" "$tls/ca.key"
}

write_config() {
  mkdir -p "$STATE_DIR/db"
  make_tls
  local hashed
  hashed="$(slappasswd -h '{SSHA}' -s "$ROOT_PW")"
  cat >"$CONF" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include $FIXTURES/stackgate.schema

modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof

pidfile $PID_FILE
argsfile $STATE_DIR/slapd.args
loglevel none

TLSCACertificateFile $STATE_DIR/tls/ca.pem
TLSCertificateFile $STATE_DIR/tls/server.pem
TLSCertificateKeyFile $STATE_DIR/tls/server.key

database mdb
maxsize 104857600
suffix "$SUFFIX"
rootdn "$ROOT_DN"
rootpw $hashed
directory $STATE_DIR/db
index objectClass eq
index uid,cn,member,memberUid eq

overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint true

access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by * read
CONF
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

answers() { ldapsearch -x -LLL -H "$URL" -b "" -s base namingContexts >/dev/null 2>&1; }

our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

load_fixtures() {
  if ldapsearch -x -LLL -H "$URL" -D "$ROOT_DN" -w "$ROOT_PW" -b "$SUFFIX" -s base dn >/dev/null 2>&1; then
    return
  fi
  # Added online (not slapadd) so that the memberof overlay fills in memberOf.
  for f in "$FIXTURES"/*.ldif; do
    ldapadd -x -H "$URL" -D "$ROOT_DN" -w "$ROOT_PW" -f "$f" >/dev/null
  done
  echo "slapd: loaded $(ls "$FIXTURES"/*.ldif | wc -l) fixture files" >&2
}

start() {
  ensure_installed
  write_config
  if our_pid >/dev/null; then
    load_fixtures
    echo "slapd already running (state in $STATE_DIR)" >&2
    echo "$URL"
    return 0
  fi
  if port_open; then
    echo "port $PORT on 127.0.0.1 is taken by something other than our slapd" >&2
    exit 1
  fi
  slaptest -u -f "$CONF" >/dev/null 2>&1 || { slaptest -u -f "$CONF"; exit 1; }
  /usr/sbin/slapd -f "$CONF" -h "$URL"
  for _ in $(seq 1 100); do
    if answers; then
      load_fixtures
      echo "slapd started (state in $STATE_DIR)" >&2
      echo "$URL"
      return 0
    fi
    sleep 0.1
  done
  echo "slapd did not answer on $URL" >&2
  exit 1
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then
    echo "slapd not running (state in $STATE_DIR)" >&2
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null && ! port_open; then echo "slapd stopped" >&2; return 0; fi
    sleep 0.1
  done
  echo "slapd did not stop" >&2
  exit 1
}

status() {
  if our_pid >/dev/null && answers; then
    echo "slapd running (state in $STATE_DIR)" >&2
    echo "$URL"
  else
    echo "slapd not running (state in $STATE_DIR)" >&2
    exit 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
