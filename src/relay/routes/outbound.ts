// POST /2.0/channel/:channelId/outbound: an agent's reply in the DFO 3.0 BYOC shape, delivered into Cognigy once.
import type { FastifyPluginAsync } from "fastify";
import { answerAgentMessage } from "../agent-reply";
import { BOX } from "../box-path";
import { perMinute, type RelayDeps } from "../deps";
import { zodReason } from "../errors";
import { outboundMessageSchema } from "../messages";

export function outboundRoute(deps: RelayDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: { channelId: string }; Body: unknown }>(
      `${BOX}/2.0/channel/:channelId/outbound`,
      { config: perMinute(deps.config.rateLimitPerMinute) },
      async (req, reply) => {
        const parsed = outboundMessageSchema.safeParse(req.body);
        if (!parsed.success) {
          deps.metrics.agentMessages.inc({ variant: "outbound", outcome: "rejected" });
          return reply.refuse(400, "invalid_request", zodReason(parsed.error));
        }
        const threadId = parsed.data.thread.idOnExternalPlatform;
        return answerAgentMessage(deps, "outbound", threadId, parsed.data, req, reply);
      },
    );
  };
}
