// GET /health and /metrics: for `cli doctor`, load balancers and Prometheus (on RELAY_METRICS_PORT when set).
import type { FastifyPluginAsync } from "fastify";
import { describeConfig } from "../config";
import type { RelayDeps } from "../deps";

export function healthRoutes({ config, store, caseEvents, cognigy, metrics }: RelayDeps): FastifyPluginAsync {
  return async (app) => {
    app.get("/health", async (_req, reply) => {
      const storeOk = await store.ping();
      const body = {
        status: storeOk ? "ok" : "degraded",
        ...describeConfig(config),
        storeReachable: storeOk,
        lastPoll: caseEvents?.lastPoll,
        // For `cli doctor`: Cognigy answers at all, and how the last delivery went (no ids, no text).
        cognigy: { ...(await cognigy.reachability()), lastDelivery: cognigy.lastDelivery },
      };
      return reply.code(storeOk ? 200 : 503).send(body);
    });

    app.get("/metrics", async (_req, reply) => {
      reply.header("content-type", metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  };
}
