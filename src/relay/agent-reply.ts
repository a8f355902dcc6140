// What both agent-message routes do once they have a parsed body and its thread id: deliver once, answer CXone.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { MalformedEventError } from "../handover/events";
import { toAgentMessage } from "./agent-message";
import { BOX } from "./box-path";
import type { DeliveryResult } from "./deliverer";
import type { RelayDeps } from "./deps";
import { type ParsedMessage, unknownKeys } from "./messages";

type Variant = "posts" | "outbound";

/** Delivers an agent's reply into Cognigy exactly once and answers CXone; `body` is the route's parsed body. */
export async function answerAgentMessage(
  deps: RelayDeps,
  variant: Variant,
  threadId: string,
  body: ParsedMessage,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { metrics } = deps;
  const thread = deps.thread(threadId);
  if (!thread) {
    metrics.agentMessages.inc({ variant, outcome: "rejected" });
    req.log.info({ variant }, "agent message for a thread this relay did not create");
    return reply.refuse(404, "unknown_thread", "the thread id is not a Cognigy handover thread");
  }
  const { ref, tag } = thread;
  logUnusedFields(deps, variant, body, req);
  const message = toAgentMessage(threadId, ref, body, deps.channelFormat?.current());
  if (typeof message === "string") {
    metrics.agentMessages.inc({ variant, outcome: "rejected" });
    return reply.refuse(400, "invalid_request", message);
  }
  let result: DeliveryResult;
  try {
    result = await deps.deliverer.deliver(message);
  } catch (err) {
    metrics.agentMessages.inc({ variant, outcome: "failed" });
    if (err instanceof MalformedEventError) {
      // A relay bug, the same on every retry: a 500 without Retry-After (not 503), so CXone is not asked to come back.
      req.log.error({ err: { name: err.name }, problem: err.message }, "agent message: programmer error");
      return reply.refuse(500, "relay_error", "the relay could not build this message's event; see its log");
    }
    // The store (Redis) failed: we cannot know whether it was delivered, so CXone must retry.
    req.log.error({ err: { name: errorName(err) } }, "agent message: store unavailable");
    return reply.refuse(503, "unavailable", "state store unavailable", 2);
  }
  // The request line's fields, built once (no text, no thread id: a tag of the conversation and the length).
  const logFields: Record<string, unknown> = {
    variant,
    conversation: tag,
    contactId: message.contactId,
    chars: message.text.length,
    outcome: result.outcome,
  };
  switch (result.outcome) {
    case "delivered":
    case "duplicate": {
      metrics.agentMessages.inc({ variant, outcome: result.outcome });
      deps.typing.messageArrived(threadId);
      req.outcome = { level: "info", fields: logFields };
      const id = result.idOnExternalPlatform;
      if (variant === "posts") return reply.code(200).send({ idOnExternalPlatform: id });
      return reply.code(200).send({
        idOnExternalPlatform: id,
        // `url` as public middlewares answer (MessageDetail.url in the OAS): where this message lives on our side.
        message: { idOnExternalPlatform: id, createdAtWithMilliseconds: result.at, url: messageUrl(req, id) },
        thread: { idOnExternalPlatform: threadId },
        endUserIdentities: [],
        recipients: [],
      });
    }
    case "busy":
      metrics.agentMessages.inc({ variant, outcome: "busy" });
      // Being delivered by another request (this relay or another one).
      req.outcome = { level: "info", fields: logFields };
      return reply.refuse(503, "in_progress", "delivery in progress; retry", 1);
    case "failed":
      metrics.agentMessages.inc({ variant, outcome: "failed" });
      logFields.reason = result.reason;
      req.outcome = { level: "warn", fields: logFields };
      if (result.retryable) return reply.refuse(503, "cognigy_unavailable", result.reason, 2);
      return reply.refuse(502, "cognigy_refused", result.reason);
  }
}

/** A body its route's schema refused (the error plugin answers it) still counts as a rejected agent message. */
export function countRejectedBodies({ metrics }: RelayDeps, variant: Variant) {
  return (_req: FastifyRequest, _reply: FastifyReply, err: FastifyError, done: () => void): void => {
    if (err.validation) metrics.agentMessages.inc({ variant, outcome: "rejected" });
    done();
  };
}

/** Fields CXone sends that the relay does not use, logged once per shape per relay (CXone's bodies are undocumented). */
function logUnusedFields(deps: RelayDeps, variant: Variant, body: ParsedMessage, req: FastifyRequest): void {
  const unknown = unknownKeys(body);
  if (!unknown.length) return;
  const shape = `${variant}:${unknown.join(",")}`;
  const logged = deps.unusedFieldShapes;
  if (logged.size < 200 && !logged.has(shape)) {
    logged.add(shape);
    req.log.info({ variant, fields: unknown }, "agent message carries fields the relay does not use");
  }
}

/** The relay's own address for an agent message it delivered (answered to CXone as message.url). */
function messageUrl(req: FastifyRequest, id: string): string {
  return `${req.protocol}://${req.host}${BOX}/2.0/messages/${encodeURIComponent(id)}`;
}

/** An error's class name for a log line: never its message, which may quote a key or a body. */
export function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}
