// POST /1.0/token: CXone's OAuth client-credentials login, answered with a signed bearer (src/relay/tokens.ts).
import type { onRequestHookHandler } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { BOX } from "../box-path";
import type { RelayDeps } from "../deps";

const tokenBodySchema = z
  .object({
    grant_type: z.string().max(100).optional(),
    client_id: z.string().max(1000).optional(),
    client_secret: z.string().max(1000).optional(),
  })
  .loose()
  // Credentials may all come in the Authorization header: no body at all.
  .default({});

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

const noStore: onRequestHookHandler = (_req, reply, done) => {
  reply.header("cache-control", "no-store").header("pragma", "no-cache");
  done();
};

export function tokenRoute({ tokens, metrics, failedLogins }: RelayDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const options = {
      config: { oauthRefusals: true },
      schema: { body: tokenBodySchema },
      // RFC 6749 §5.1: no cache keeps a token, nor a refusal (set before the body is read, so on every answer).
      onRequest: noStore,
    };
    app.post(`${BOX}/1.0/token`, options, async (req, reply) => {
      const body = req.body;
      const basic = basicCredentials(req.headers.authorization);
      const id = basic ? basic.id : body.client_id;
      const secret = basic ? basic.secret : body.client_secret;
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
      if (!body.grant_type) return reply.refuseOAuth(400, "invalid_request", "grant_type is required");
      if (body.grant_type !== "client_credentials") {
        return reply.refuseOAuth(400, "unsupported_grant_type", "only client_credentials is supported");
      }
      return reply.code(200).send(tokens.issue());
    });
  };
}
