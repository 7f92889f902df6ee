#!/usr/bin/env bash
# Build the all-in-one image from ./Dockerfile with podman and smoke-test it, without Docker and
# without an image registry: the Debian 12 base is made locally with debootstrap from the apt
# mirror this machine already uses, then imported into podman.
#
# Usage (as root): scripts/build-image.sh            build + smoke test, keeps the image
#                  scripts/build-image.sh --clean    also remove the image afterwards
#
# Environment (all optional):
#   STACKGATE_IMAGE        tag to build (default localhost/stackgate:dev)
#   STACKGATE_BASE_IMAGE   local base image (default localhost/debian:bookworm; debootstrapped if absent)
#   STACKGATE_APT_MIRROR   Debian mirror for debootstrap (default: the one in /etc/apt/sources.list*)
#   STACKGATE_SMOKE_PORT   loopback port of the smoke-test container (default 8899)
#   STACKGATE_CA_BUNDLE    CA bundle handed to npm in the build (default /etc/ssl/certs/ca-certificates.crt,
#                          which carries the egress proxy's CA on machines that intercept TLS)
#   PODMAN_EXTRA_FLAGS     flags for podman build/run; default: probed (see runtime_flags)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
IMAGE="${STACKGATE_IMAGE:-localhost/stackgate:dev}"
BASE_IMAGE="${STACKGATE_BASE_IMAGE:-localhost/debian:bookworm}"
PORT="${STACKGATE_SMOKE_PORT:-8899}"
CA_BUNDLE="${STACKGATE_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
PASSWORD="smoke-$$-secret"
CONTAINERS=("stackgate-smoke-$$" "stackgate-smoke-defaults-$$")
clean_image=false
[[ "${1:-}" == "--clean" ]] && clean_image=true
FLAGS=()

say() { printf '== %s\n' "$*"; }
die() { printf 'build-image: %s\n' "$*" >&2; exit 1; }

ensure_tools() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman buildah uidmap fuse-overlayfs slirp4netns)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v curl >/dev/null || missing+=(curl)
  if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install -y ${missing[*]})"
    say "installing ${missing[*]}"
    apt-get install -y "${missing[@]}"
  fi
}

# The first Debian (non-security) URI of the host's apt sources, deb822 or one-line style.
host_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
          | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' \
          | grep -v security | grep '/debian' | head -n1 || true)
  if [[ -z "$uri" ]]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; break } }' \
            | grep -v security | grep '/debian' | head -n1 || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

ensure_base() {
  if podman image exists "$BASE_IMAGE"; then
    say "base $BASE_IMAGE already present"
    return
  fi
  local mirror rootfs
  mirror="${STACKGATE_APT_MIRROR:-$(host_mirror)}"
  rootfs=$(mktemp -d /tmp/stackgate-rootfs.XXXXXX)
  say "debootstrap bookworm (minbase) from $mirror into $rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror"
  # Like the official -slim image: the updates and security suites, and no docs, man pages or
  # translations (now, and for whatever a later apt-get install brings).
  local security="${mirror%/debian}/debian-security"
  cat > "$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
  cat > "$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
  say "importing as $BASE_IMAGE"
  tar -C "$rootfs" -c . | podman import \
    --change 'CMD ["/bin/bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

# Plain podman where it works. In a sandbox without CAP_SYS_RESOURCE and with a cgroup v1/v2
# hybrid (such as the one this was written in), crun refuses hybrid cgroups and both runtimes fail
# to apply podman's default RLIMIT_NOFILE/NPROC, so: runc, and limits no higher than ours.
runtime_flags() {
  if [[ -n "${PODMAN_EXTRA_FLAGS+set}" ]]; then
    read -r -a FLAGS <<<"$PODMAN_EXTRA_FLAGS"
  elif podman run --rm "$BASE_IMAGE" true >/dev/null 2>&1; then
    FLAGS=()
  else
    local nofile nproc pid_max
    nofile=$(ulimit -Hn) nproc=$(ulimit -Hu) pid_max=$(cat /proc/sys/kernel/pid_max)
    [[ "$nproc" == unlimited || "$nproc" -gt "$pid_max" ]] && nproc=$pid_max
    FLAGS=(--runtime runc --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")
    podman run --rm "${FLAGS[@]}" "$BASE_IMAGE" true \
      || die "podman cannot run a container here, even with ${FLAGS[*]}"
  fi
  say "podman flags: ${FLAGS[*]:-(none)}"
}

build() {
  say "building $IMAGE"
  local secret=()
  [[ -s "$CA_BUNDLE" ]] && secret=(--secret "id=extra_ca,src=$CA_BUNDLE")
  # --format docker: the OCI format has no HEALTHCHECK. --network=host: npm ci needs the registry.
  podman build "${FLAGS[@]}" --format docker --network=host "${secret[@]}" \
    --build-arg "BASE=$BASE_IMAGE" -t "$IMAGE" "$here"
}

cleanup() {
  local c
  for c in "${CONTAINERS[@]}"; do podman rm -f -v "$c" >/dev/null 2>&1 || true; done
  if $clean_image; then podman rmi -f "$IMAGE" >/dev/null 2>&1 || true; fi
}

# podman without systemd logs "unable to get systemd connection" for the healthcheck timer; the
# check itself still runs on demand (`podman healthcheck run`).
quiet() { "$@" 2> >(grep -v 'systemd connection' >&2); }

wait_healthy() {
  local name=$1 i
  for i in $(seq 1 90); do
    podman healthcheck run "$name" >/dev/null 2>&1 && return 0
    [[ $(podman inspect -f '{{.State.Running}}' "$name") == true ]] \
      || { podman logs "$name" >&2; die "$name exited"; }
    sleep 1
  done
  podman logs "$name" >&2
  die "$name: HEALTHCHECK not passing after 90s"
}

smoke() {
  local name=${CONTAINERS[0]} base="http://127.0.0.1:$PORT"
  say "smoke 1: $name on the host network, listening on 127.0.0.1:$PORT"
  quiet podman run -d "${FLAGS[@]}" --name "$name" --network=host \
    -e STACKGATE_HOST=127.0.0.1 -e STACKGATE_PORT="$PORT" \
    -e STACKGATE_PUBLIC_URL="$base" -e STACKGATE_ADMIN_PASSWORD="$PASSWORD" \
    "$IMAGE" >/dev/null
  wait_healthy "$name"
  say "HEALTHCHECK: healthy; GET /healthz: $(curl -fsS "$base/healthz")"

  local headers body status token
  headers=$(mktemp) body=$(mktemp)
  status=$(curl -sS -o "$body" -D "$headers" -w '%{http_code}' -X POST "$base/identity/v3/auth/tokens" \
    -H 'Content-Type: application/json' \
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"'"$PASSWORD"'"}}},
         "scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}')
  token=$(awk 'tolower($1) == "x-subject-token:" { print $2 }' "$headers" | tr -d '\r')
  local has_catalog=no
  grep -q '"catalog"' "$body" && has_catalog=yes
  [[ "$status" == 201 && -n "$token" ]] || { cat "$body" >&2; rm -f "$headers" "$body"; die "token issue: HTTP $status"; }
  rm -f "$headers" "$body"
  [[ $has_catalog == yes ]] || die "the scoped token has no catalog"
  say "POST /identity/v3/auth/tokens (password, project-scoped): 201, catalog present"
  status=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $token" -H "X-Subject-Token: $token" \
    "$base/identity/v3/auth/tokens")
  [[ "$status" == 200 ]] || die "token validation: HTTP $status"
  say "GET /identity/v3/auth/tokens (validate): 200"

  local uid files
  uid=$(podman exec "$name" id -u)
  [[ "$uid" != 0 ]] || die "the container runs as root"
  files=$(podman exec "$name" ls -A /var/lib/stackgate | tr '\n' ' ')
  [[ -n "$files" ]] || die "nothing written to the /var/lib/stackgate volume"
  say "uid $uid, $(podman exec "$name" node --version), /var/lib/stackgate: $files"
  quiet podman stop -t 10 "$name" >/dev/null
  say "stopped, exit code $(podman inspect -f '{{.State.ExitCode}}' "$name")"

  # The image's own defaults (0.0.0.0:8800), inside a network namespace of its own (--network=none)
  # so that nothing listens beyond this machine's loopback.
  name=${CONTAINERS[1]}
  say "smoke 2: $name with the image defaults, --network=none"
  quiet podman run -d "${FLAGS[@]}" --name "$name" --network=none \
    -e STACKGATE_ADMIN_PASSWORD="$PASSWORD" "$IMAGE" >/dev/null
  wait_healthy "$name"
  podman logs "$name" 2>&1 | grep -q '"url":"http://0.0.0.0:8800"' || die "$name does not listen on 0.0.0.0:8800"
  say "listening on 0.0.0.0:8800, HEALTHCHECK: healthy"
}

trap cleanup EXIT
ensure_tools
ensure_base
runtime_flags
build
smoke
say "image $IMAGE: $(podman image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1000000 }')"
