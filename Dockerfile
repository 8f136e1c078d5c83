# syntax=docker/dockerfile:1.7
# One image, three roles: the API, the job workers and the simulator. Each stage
# below `runtime` is a role; `docker compose` picks one with `target:`.
# cml-fleet runs TypeScript directly with tsx (no build step), so the image holds
# the sources of the deployed package and its workspace dependencies.

ARG NODE_VERSION=24
FROM node:${NODE_VERSION}-bookworm-slim AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH
RUN npm install -g pnpm@10.34.9

FROM base AS deps
WORKDIR /src
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY packages/core/package.json packages/core/
COPY packages/cli-args/package.json packages/cli-args/
COPY packages/duration/package.json packages/duration/
COPY packages/terminal-text/package.json packages/terminal-text/
COPY packages/platform/package.json packages/platform/
COPY packages/api/package.json packages/api/
COPY packages/jobs/package.json packages/jobs/
COPY packages/sim/package.json packages/sim/
COPY packages/tui/package.json packages/tui/
COPY packages/local/package.json packages/local/
COPY packages/bench/package.json packages/bench/
COPY packages/replay/package.json packages/replay/
COPY packages/faults/package.json packages/faults/
RUN --mount=type=cache,id=pnpm,target=/pnpm/store pnpm fetch --frozen-lockfile

FROM deps AS deploy
COPY . .
RUN --mount=type=cache,id=pnpm,target=/pnpm/store \
    pnpm install --frozen-lockfile --offline \
 && pnpm deploy --filter @cml-fleet/api --prod --legacy /out/api \
 && pnpm deploy --filter @cml-fleet/jobs --prod --legacy /out/jobs \
 && pnpm deploy --filter @cml-fleet/sim --prod --legacy /out/sim

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
RUN apt-get update && apt-get install -y --no-install-recommends tini curl && rm -rf /var/lib/apt/lists/*
USER node
WORKDIR /app
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS api
COPY --from=deploy --chown=node:node /out/api /app
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 CMD curl -fsS http://127.0.0.1:4000/readyz || exit 1
CMD ["node", "--import", "tsx", "src/main.ts"]

FROM runtime AS jobs
COPY --from=deploy --chown=node:node /out/jobs /app
# Node's flags for a job process: packages/jobs/src/job-process-node-flags.ts says why (a test keeps them equal).
CMD ["node", "--max-semi-space-size=16", "--heap-growing-percent=30", "--expose-gc", "--import", "tsx", "src/main.ts"]

FROM runtime AS sim
COPY --from=deploy --chown=node:node /out/sim /app
EXPOSE 4566
HEALTHCHECK --interval=10s --timeout=3s --retries=6 CMD curl -fsS http://127.0.0.1:4566/_sim/stats || exit 1
CMD ["node", "--import", "tsx", "src/main.ts"]
