# The relay (src/relay) as a small production image: the README's Relay section has the variables and the CXone admin steps.
#
# ts-node is a dev dependency, so `npm ci --omit=dev` cannot run the TypeScript. Instead the build stage installs
# everything from the lockfile and bundles the relay (src/relay/main.ts) and the admin CLI (src/cli/main.ts) with
# esbuild (scripts/bundle-image.js); the runtime stage holds Node and those files only (no node_modules, no compiler,
# no sources).
#
#   docker build -t cxone-relay .
#   docker run -p 8080:8080 --env-file .env.relay cxone-relay            # the relay
#   docker run --rm --env-file .env.relay cxone-relay doctor            # the admin CLI, same variables

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
RUN node scripts/bundle-image.js /out && node /out/cli.js --version

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/relay.js /out/cli.js /out/entrypoint.sh ./
USER node
EXPOSE 8080
# Liveness: /health answers 200 (503 when the configured Redis is unreachable); on RELAY_METRICS_PORT when set.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.RELAY_METRICS_PORT||process.env.RELAY_PORT||process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The entrypoint execs node, so node is PID 1 and receives SIGTERM directly: the relay finishes in-flight deliveries,
# then exits. `setup` / `doctor` as the command run the admin CLI instead.
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["relay"]
