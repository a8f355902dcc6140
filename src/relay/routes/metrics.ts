// GET /metrics: the relay's Prometheus metrics (on RELAY_METRICS_PORT when set).
import type { FastifyPluginAsync } from "fastify";
import type { RelayDeps } from "../deps";

export function metricsRoute({ metrics }: RelayDeps): FastifyPluginAsync {
  return async (app) => {
    app.get("/metrics", async (_req, reply) => {
      reply.header("content-type", metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  };
}
