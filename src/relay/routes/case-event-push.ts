// POST /1.0/events: CXone pushes a case event; the relay confirms it against CXone before telling Cognigy.
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { errorName } from "../agent-reply";
import { BOX } from "../box-path";
import { perMinute, quietRouteLimit, type RelayDeps } from "../deps";
import { zodReason } from "../errors";

const pushEventSchema = z
  .object({
    // It goes into CXone URL paths: a strict pattern (no `.`/`..`, no slash), numbers as digits.
    contactId: z
      .union([z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "must be a CXone contact id"), z.number().int().nonnegative()])
      .transform(String),
    event: z.string().max(64).optional(),
  })
  .passthrough();

export function caseEventPushRoute({ caseEvents, config }: RelayDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: unknown }>(
      `${BOX}/1.0/events`,
      { config: perMinute(quietRouteLimit(config)) },
      async (req, reply) => {
        if (!caseEvents) {
          return reply.refuse(501, "case_events_off", "set the CXONE_* variables to turn case events on");
        }
        const parsed = pushEventSchema.safeParse(req.body);
        if (!parsed.success) return reply.refuse(400, "invalid_request", zodReason(parsed.error));
        const { contactId } = parsed.data;
        try {
          const result = await caseEvents.confirmCase(contactId);
          if (!result.found || !result.ours) {
            return reply.refuse(404, "unknown_case", "no handover case with this id on the channel");
          }
          req.log.info({ contactId, events: result.events }, "case event push");
          return reply.code(200).send({ contactId, status: result.status, events: result.events });
        } catch (err) {
          req.log.warn({ err: { name: errorName(err) } }, "case event push: confirmation failed");
          return reply.refuse(503, "unavailable", "could not confirm the case", 2);
        }
      },
    );
  };
}
