// POST /2.0/channel/:channelId/outbound: an agent's reply in the DFO 3.0 BYOC shape, delivered into Cognigy once.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { answerAgentMessage, countRejectedBodies } from "../agent-reply";
import { BOX } from "../box-path";
import { perMinute, type RelayDeps } from "../deps";
import { outboundMessageSchema } from "../messages";

export function outboundRoute(deps: RelayDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      `${BOX}/2.0/channel/:channelId/outbound`,
      {
        config: perMinute(deps.config.rateLimitPerMinute),
        schema: { params: z.object({ channelId: z.string() }), body: outboundMessageSchema },
        onError: countRejectedBodies(deps, "outbound"),
      },
      async (req, reply) => {
        const threadId = req.body.thread.idOnExternalPlatform;
        return answerAgentMessage(deps, "outbound", threadId, req.body, req, reply);
      },
    );
  };
}
