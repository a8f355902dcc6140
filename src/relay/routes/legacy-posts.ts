// POST /1.0/posts/:postId/messages: an agent's reply in the legacy BYOC shape, delivered into Cognigy once.
import type { FastifyPluginAsync } from "fastify";
import { answerAgentMessage } from "../agent-reply";
import { BOX } from "../box-path";
import { perMinute, type RelayDeps } from "../deps";
import { zodReason } from "../errors";
import { legacyMessageSchema, legacyThreadId } from "../messages";

export function legacyPostsRoute(deps: RelayDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: { postId: string }; Body: unknown }>(
      `${BOX}/1.0/posts/:postId/messages`,
      { config: perMinute(deps.config.rateLimitPerMinute) },
      async (req, reply) => {
        const parsed = legacyMessageSchema.safeParse(req.body);
        if (!parsed.success) {
          deps.metrics.agentMessages.inc({ variant: "posts", outcome: "rejected" });
          return reply.refuse(400, "invalid_request", zodReason(parsed.error));
        }
        const threadId = legacyThreadId(req.params.postId, parsed.data, (id) => !!deps.thread(id)) ?? "";
        return answerAgentMessage(deps, "posts", threadId, parsed.data, req, reply);
      },
    );
  };
}
