// GET /health: for `cli doctor` and load balancers (on RELAY_METRICS_PORT when set).
import type { FastifyPluginAsync } from "fastify";
import { describeConfig } from "../config";
import type { RelayDeps } from "../deps";

export function healthRoute({ config, store, caseEvents, cognigy }: RelayDeps): FastifyPluginAsync {
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
  };
}
