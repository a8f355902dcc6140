# The relay (src/relay) as a small production image: the README's Relay section has the variables and the CXone admin steps.
#
# ts-node is a dev dependency, so `npm ci --omit=dev` cannot run the TypeScript. Instead the build stage installs
# everything from the lockfile and bundles src/relay/main.ts with esbuild into one self-contained file; the runtime
# stage holds Node and that file only (no node_modules, no compiler, no sources).
#
#   docker build -t cxone-relay .
#   docker run -p 8080:8080 -e RELAY_CLIENT_ID=… -e RELAY_CLIENT_SECRET=… -e COGNIGY_ENDPOINT_URL=… cxone-relay

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx esbuild src/relay/main.ts --bundle --platform=node --target=node20 --format=cjs \
      --legal-comments=none --outfile=/out/relay.js --log-level=warning \
 && node -e "require('node:fs').accessSync('/out/relay.js')"

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/relay.js ./relay.js
USER node
EXPOSE 8080
# Liveness: /health answers 200 (503 when the configured Redis is unreachable); on RELAY_METRICS_PORT when set.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.RELAY_METRICS_PORT||process.env.RELAY_PORT||process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node as PID 1 receives SIGTERM directly: the relay finishes in-flight deliveries, then exits.
CMD ["node", "relay.js"]
