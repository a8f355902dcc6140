// POST /1.0/events: CXone pushes a case event; the relay confirms it against CXone before telling Cognigy.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { errorName } from "../agent-reply";
import { BOX } from "../box-path";
import { perMinute, quietRouteLimit, type RelayDeps } from "../deps";

const pushEventSchema = z
  .object({
    // It goes into CXone URL paths: a strict pattern (no `.`/`..`, no slash), numbers as digits. One message for
    // every way it can be wrong (zod 4 would say "Invalid input" for a union).
    contactId: z
      .union([z.string().regex(/^[A-Za-z0-9_-]{1,128}$/), z.number().int().nonnegative()], {
        error: "must be a CXone contact id",
      })
      .transform(String),
    event: z.string().max(64).optional(),
  })
  .loose();

export function caseEventPushRoute({ caseEvents, config }: RelayDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const path = `${BOX}/1.0/events`;
    const limit = perMinute(quietRouteLimit(config));
    if (!caseEvents) {
      // Refused whatever the body: what the caller must fix is the relay's settings.
      app.post(path, { config: limit }, async (_req, reply) =>
        reply.refuse(501, "case_events_off", "set the CXONE_* variables to turn case events on"),
      );
      return;
    }
    app.post(path, { config: limit, schema: { body: pushEventSchema } }, async (req, reply) => {
      const { contactId } = req.body;
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
    });
  };
}
