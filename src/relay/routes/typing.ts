// POST /1.0/channel/:channelId/thread/:threadId/sender-action(s): the agent is typing, forwarded to the endpoint.
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { BOX } from "../box-path";
import { perMinute, type RelayDeps } from "../deps";
import { zodReason } from "../errors";

const senderActionSchema = z
  .object({
    senderAction: z
      .object({ action: z.string().max(64) })
      .passthrough()
      .optional(),
    action: z.string().max(64).optional(),
  })
  .passthrough();

export function typingRoute({ thread, config, typing }: RelayDeps): FastifyPluginAsync {
  return async (app) => {
    const limit = perMinute(config.rateLimitPerMinute);
    // Both spellings appear in public BYOC middlewares; NiCE documents neither.
    for (const path of ["sender-action", "sender-actions"]) {
      app.post<{ Params: { channelId: string; threadId: string }; Body: unknown }>(
        `${BOX}/1.0/channel/:channelId/thread/:threadId/${path}`,
        { config: limit },
        async (req, reply) => {
          const parsed = senderActionSchema.safeParse(req.body ?? {});
          if (!parsed.success) return reply.refuse(400, "invalid_request", zodReason(parsed.error));
          const action = parsed.data.senderAction?.action ?? parsed.data.action;
          if (action !== "isTypingOn" && action !== "isTypingOff") {
            return reply.refuse(400, "invalid_request", "senderAction.action must be isTypingOn or isTypingOff");
          }
          const { threadId } = req.params;
          const ref = thread(threadId)?.ref;
          if (!ref) return reply.refuse(404, "unknown_thread", "the thread id is not a Cognigy handover thread");
          // Only where the endpoint can use an empty-text data event (a custom socket or webhook client): Webchat v3
          // draws nothing for it and a messaging channel may show an empty message (src/handover/cognigy-platform.ts).
          if (config.forwardTyping && ref.takesDataEvents) {
            // Best effort: a typing indicator is worth neither a retry nor a failed callback.
            await typing.signal(threadId, action === "isTypingOn");
          }
          return reply.code(204).send();
        },
      );
    }
  };
}
