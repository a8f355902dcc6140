// POST /1.0/token: CXone's OAuth client-credentials login, answered with a signed bearer (src/relay/tokens.ts).
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { BOX } from "../box-path";
import type { RelayDeps } from "../deps";
import { zodReason } from "../errors";

const tokenBodySchema = z
  .object({
    grant_type: z.string().max(100).optional(),
    client_id: z.string().max(1000).optional(),
    client_secret: z.string().max(1000).optional(),
  })
  .passthrough();

/** Client id and secret from HTTP Basic (RFC 6749 §2.3.1: form-encoded, then base64), when the request uses it. */
function basicCredentials(authorization: string | undefined): { id?: string; secret?: string } | undefined {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return undefined;
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    // A malformed escape is a client that cannot authenticate, not a server error (which CXone would retry).
    return {};
  }
}

export function tokenRoute({ tokens, metrics, failedLogins }: RelayDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: unknown }>(`${BOX}/1.0/token`, async (req, reply) => {
      reply.header("cache-control", "no-store").header("pragma", "no-cache");
      const parsed = tokenBodySchema.safeParse(req.body ?? {});
      if (!parsed.success) return reply.refuseOAuth(400, "invalid_request", zodReason(parsed.error));
      const basic = basicCredentials(req.headers.authorization);
      const id = basic ? basic.id : parsed.data.client_id;
      const secret = basic ? basic.secret : parsed.data.client_secret;
      if (!tokens.credentialsValid(id, secret)) {
        metrics.authFailures.inc({ reason: "invalid_client" });
        const failure = failedLogins.fail(id);
        if (failure.limited) {
          if (failure.report) {
            req.log.warn({ failures: failedLogins.count }, "token requests: too many failed attempts this minute");
          }
          return reply.refuseOAuth(
            429,
            "invalid_client",
            "too many failed attempts; retry later",
            failure.retryAfterSeconds,
          );
        }
        req.log.info("token refused: invalid_client");
        return reply.refuseOAuth(401, "invalid_client", "client authentication failed");
      }
      if (!parsed.data.grant_type) return reply.refuseOAuth(400, "invalid_request", "grant_type is required");
      if (parsed.data.grant_type !== "client_credentials") {
        return reply.refuseOAuth(400, "unsupported_grant_type", "only client_credentials is supported");
      }
      return reply.code(200).send(tokens.issue());
    });
  };
}
