#!/usr/bin/env bash
# Everything the tests need, from a fresh Debian 12 machine with Node.js and npm:
# the Debian packages (real clients and servers), the npm dependencies, the real
# services on 127.0.0.1, then the unit/contract tests and the conformance subset.
# Run as root (it installs packages). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
DEBIAN_PACKAGES=(rabbitmq-server slapd ldap-utils openssl openssh-client qemu-utils python3-openstackclient python3-openstacksdk python3-swiftclient tempest ansible)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test-all: installing ${missing[*]}"
  apt-get update -qq
  # slapd must not build and start a system directory of its own; scripts/slapd.sh runs ours.
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "test-all: npm ci"
npm ci --no-audit --no-fund --loglevel=error

echo "test-all: starting RabbitMQ on 127.0.0.1"
scripts/rabbitmq.sh start
echo "test-all: starting slapd (LDAP) on 127.0.0.1:3890"
scripts/slapd.sh start

status=0
echo "test-all: conformance subset (real openstack CLI, Ansible, Tempest Interop, OpenAPI oracle)"
npm run --silent conformance -- --suites cli,ansible,oracle,tempest-interop || status=$?

echo "test-all: unit and contract tests"
npm test || status=$?
exit "$status"
