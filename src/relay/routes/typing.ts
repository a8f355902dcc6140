// POST /1.0/channel/:channelId/thread/:threadId/sender-action(s): the agent is typing, forwarded to the endpoint.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { BOX } from "../box-path";
import { perMinute, type RelayDeps } from "../deps";

const paramsSchema = z.object({ channelId: z.string(), threadId: z.string() });

// The action may come as `senderAction.action` or as `action`: read as "is the agent typing now".
const senderActionSchema = z
  .object({
    senderAction: z
      .object({ action: z.string().max(64) })
      .loose()
      .optional(),
    action: z.string().max(64).optional(),
  })
  .loose()
  .default({})
  .transform((body, ctx) => {
    const action = body.senderAction?.action ?? body.action;
    if (action !== "isTypingOn" && action !== "isTypingOff") {
      ctx.addIssue({ code: "custom", path: ["senderAction", "action"], message: "must be isTypingOn or isTypingOff" });
      return z.NEVER;
    }
    return { typing: action === "isTypingOn" };
  });

export function typingRoute({ thread, config, typing }: RelayDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const options = {
      config: perMinute(config.rateLimitPerMinute),
      schema: { params: paramsSchema, body: senderActionSchema },
    };
    // Both spellings appear in public BYOC middlewares; NiCE documents neither.
    for (const path of ["sender-action", "sender-actions"]) {
      app.post(`${BOX}/1.0/channel/:channelId/thread/:threadId/${path}`, options, async (req, reply) => {
        const { threadId } = req.params;
        const ref = thread(threadId)?.ref;
        if (!ref) return reply.refuse(404, "unknown_thread", "the thread id is not a Cognigy handover thread");
        // Only where the endpoint can use an empty-text data event (a custom socket or webhook client): Webchat v3
        // draws nothing for it and a messaging channel may show an empty message (src/handover/cognigy-platform.ts).
        if (config.forwardTyping && ref.takesDataEvents) {
          // Best effort: a typing indicator is worth neither a retry nor a failed callback.
          await typing.signal(threadId, req.body.typing);
        }
        return reply.code(204).send();
      });
    }
  };
}
