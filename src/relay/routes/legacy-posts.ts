// POST /1.0/posts/:postId/messages: an agent's reply in the legacy BYOC shape, delivered into Cognigy once.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { answerAgentMessage, countRejectedBodies } from "../agent-reply";
import { BOX } from "../box-path";
import { perMinute, type RelayDeps } from "../deps";
import { legacyMessageSchema, legacyThreadId } from "../messages";

export function legacyPostsRoute(deps: RelayDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      `${BOX}/1.0/posts/:postId/messages`,
      {
        config: perMinute(deps.config.rateLimitPerMinute),
        schema: { params: z.object({ postId: z.string() }), body: legacyMessageSchema },
        onError: countRejectedBodies(deps, "posts"),
      },
      async (req, reply) => {
        const threadId = legacyThreadId(req.params.postId, req.body, (id) => !!deps.thread(id)) ?? "";
        return answerAgentMessage(deps, "posts", threadId, req.body, req, reply);
      },
    );
  };
}
