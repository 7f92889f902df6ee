#!/usr/bin/env bash
# Run a private rabbitmq-server for development and tests: loopback only, its own state directory,
# no systemd. Usage: scripts/rabbitmq.sh start|stop|status|url|drop-connections
#
# Environment (all optional):
#   STACKGATE_RABBITMQ_DIR   state directory (default /tmp/stackgate-rabbitmq)
#   STACKGATE_RABBITMQ_PORT  AMQP port (default 5672)
#   STACKGATE_RABBITMQ_NODE  Erlang node name (default stackgate@localhost)
set -euo pipefail

STATE_DIR="${STACKGATE_RABBITMQ_DIR:-/tmp/stackgate-rabbitmq}"
PORT="${STACKGATE_RABBITMQ_PORT:-5672}"
NODE="${STACKGATE_RABBITMQ_NODE:-stackgate@localhost}"
URL="amqp://guest:guest@127.0.0.1:${PORT}"
RABBIT_BIN=/usr/lib/rabbitmq/bin

# Debian's /usr/sbin wrappers switch to the rabbitmq user and use /var/lib/rabbitmq; we call the
# real scripts directly so that everything (cookie, mnesia, logs) lives under STATE_DIR.
setup_env() {
  mkdir -p "$STATE_DIR/mnesia" "$STATE_DIR/log"
  export HOME="$STATE_DIR"   # the Erlang cookie is read from $HOME/.erlang.cookie by server and CLI
  if [[ ! -f "$STATE_DIR/.erlang.cookie" ]]; then
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$STATE_DIR/.erlang.cookie")
  fi
  chmod 400 "$STATE_DIR/.erlang.cookie"
  cat > "$STATE_DIR/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:${PORT}
loopback_users.guest = true
CONF
  echo '[].' > "$STATE_DIR/enabled_plugins"
  : > "$STATE_DIR/rabbitmq-env.conf"
  export RABBITMQ_NODENAME="$NODE"
  export RABBITMQ_USE_LONGNAME=false
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$PORT"
  # Keep Erlang distribution (epmd and the inter-node port) on loopback too.
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_DIST_PORT="$((PORT + 20000))"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CONFIG_FILE="$STATE_DIR/rabbitmq.conf"
  export RABBITMQ_CONF_ENV_FILE="$STATE_DIR/rabbitmq-env.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$STATE_DIR/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$STATE_DIR/mnesia"
  export RABBITMQ_LOG_BASE="$STATE_DIR/log"
  export RABBITMQ_PID_FILE="$STATE_DIR/rabbitmq.pid"
}

ctl() { "$RABBIT_BIN/rabbitmqctl" -n "$NODE" "$@"; }

ensure_installed() {
  if [[ -x "$RABBIT_BIN/rabbitmq-server" ]]; then return; fi
  echo "rabbitmq-server is not installed; installing it with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if apt-get install -y --no-install-recommends rabbitmq-server >&2; then break; fi
    echo "apt-get failed (dpkg may be locked), retry $attempt" >&2
    sleep 10
  done
  [[ -x "$RABBIT_BIN/rabbitmq-server" ]] || { echo "could not install rabbitmq-server" >&2; exit 1; }
  # The package may have started the system instance on 0.0.0.0:5672; we want only ours.
  if command -v service >/dev/null; then service rabbitmq-server stop >/dev/null 2>&1 || true; fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

is_running() { ctl status >/dev/null 2>&1; }

start() {
  ensure_installed
  setup_env
  if is_running; then
    echo "rabbitmq already running (node $NODE)" >&2
    echo "$URL"
    return 0
  fi
  if port_open; then
    echo "port $PORT on 127.0.0.1 is taken by something other than node $NODE" >&2
    exit 1
  fi
  "$RABBIT_BIN/rabbitmq-server" -detached >>"$STATE_DIR/log/startup.log" 2>&1
  if ! ctl await_startup --timeout 120 >/dev/null 2>&1; then
    # await_startup fails fast when the node is not yet registered with epmd; poll instead.
    for _ in $(seq 1 120); do
      if is_running && ctl await_startup --timeout 60 >/dev/null 2>&1; then break; fi
      sleep 1
    done
  fi
  for _ in $(seq 1 60); do
    if port_open; then
      echo "rabbitmq started (node $NODE, state in $STATE_DIR)" >&2
      echo "$URL"
      return 0
    fi
    sleep 1
  done
  echo "rabbitmq did not start; see $STATE_DIR/log" >&2
  exit 1
}

stop() {
  setup_env
  if ! is_running; then
    echo "rabbitmq not running (node $NODE)" >&2
    return 0
  fi
  ctl stop >/dev/null
  for _ in $(seq 1 60); do
    if ! port_open; then echo "rabbitmq stopped" >&2; return 0; fi
    sleep 1
  done
  echo "rabbitmq did not stop" >&2
  exit 1
}

status() {
  setup_env
  if is_running && port_open; then
    echo "rabbitmq running (node $NODE, state in $STATE_DIR)" >&2
    echo "$URL"
  else
    echo "rabbitmq not running (node $NODE)" >&2
    exit 3
  fi
}

# Used by tests to prove that clients recover when the broker drops them.
drop_connections() {
  setup_env
  ctl close_all_connections "stackgate test: connections dropped on purpose" >/dev/null
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) echo "$URL" ;;
  drop-connections) drop_connections ;;
  *) echo "usage: $0 start|stop|status|url|drop-connections" >&2; exit 2 ;;
esac
