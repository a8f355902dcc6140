import { nodeCrypto } from "../lazy-crypto";
import type { CxoneConnection } from "./config";
import { CxoneApiError, CxoneAuthError, CxoneError } from "./errors";
import { cxoneConfigurationSchema, openIdConfigurationSchema, tokenResponseSchema } from "./schemas";
import { isSecureUrl } from "./secure-url";
import type { Transport } from "./transport";

/** What one successful authentication gives: a bearer and where the tenant's APIs live. */
export interface AuthSession {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  lifetimeMs: number;
  tenantId: string;
  tokenEndpoint: string;
  /** Digital (DFO) API base, e.g. https://api-de-na1.niceincontact.com */
  dfoBaseUrl: string;
  /** Admin/real-time API base (`api_endpoint`), e.g. https://api-na1.niceincontact.com */
  apiBaseUrl: string;
  /** The tenant's area from discovery (e.g. na1), for the admin CLI. */
  area?: string;
  /** When CXone says it issued the token (JWT `iat`, epoch ms): the admin CLI compares it with our clock. */
  issuedAt?: number;
}

/** The token cache as it is kept in Cognigy `context`: encrypted with a key only the connection's secrets give. */
export interface PersistedAuth {
  v: 2;
  key: string;
  expiresAt: number;
  blob: string;
}

/**
 * Tokens by connection, and the token requests under way (concurrent callers share one). It lives as long as whoever
 * owns the clients that use it: a relay makes its own and drops it when it stops, so two relays in one process
 * (tests, a host serving several tenants) never share a session.
 */
export class AuthCache {
  readonly sessions = new Map<string, AuthSession>();
  readonly inflight = new Map<string, Promise<AuthSession>>();

  /** Forgets every token (credential rotation; tests that need a cold start). */
  clear(): void {
    this.sessions.clear();
  }
}

/**
 * The cache of clients given none: the nodes'. Cognigy runs an extension's nodes in one process per tenant, so a cache
 * as long-lived as that process is what carries a token from one node run to the next (the encrypted copy in context,
 * PersistedAuth, covers a replaced process).
 */
const processAuthCache = new AuthCache();
// Encrypting the cache costs more than the rest of a warm node run; do it once per token, not once per execution.
const exported = new WeakMap<AuthSession, PersistedAuth>();

/** Forgets every token the nodes' process-wide cache holds (credential rotation; tests that need a cold start). */
export function clearAuthCache(): void {
  processAuthCache.clear();
}

/**
 * Identifies a connection, secrets included but only through a one-way hash: safe to log and to use as a cache key,
 * and a connection with a rotated or wrong secret never reuses another's token.
 */
export function connectionKey(c: CxoneConnection): string {
  return nodeCrypto()
    .createHash("sha256")
    .update([c.authHost, c.clientId, c.accessKeyId, c.dfoBaseUrl ?? "", c.clientSecret, c.accessKeySecret].join("\n"))
    .digest("hex")
    .slice(0, 24);
}

/** A token this close to expiry is renewed before use, so a request never starts with a dying token. */
function needsRenewal(s: AuthSession, now: number): boolean {
  return s.expiresAt - now < Math.min(5 * 60_000, s.lifetimeMs / 2);
}

function decodeJwtClaims(jwt: string | undefined): Record<string, unknown> {
  const payload = jwt?.split(".")[1];
  if (!payload) return {};
  try {
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function assertSafeEndpoint(url: string, what: string): string {
  // The same rule as the connection's own URLs: discovery cannot send credentials where the admin could not.
  if (!isSecureUrl(new URL(url))) {
    throw new CxoneAuthError(`CXone discovery returned a non-https ${what}; refusing to send credentials there`);
  }
  return url.replace(/\/+$/, "");
}

export class Authenticator {
  readonly key: string;
  private readonly cipherKey: Buffer;
  private readonly sessions: Map<string, AuthSession>;
  private readonly inflight: Map<string, Promise<AuthSession>>;

  constructor(
    private readonly connection: CxoneConnection,
    private readonly transport: Transport,
    cache: AuthCache = processAuthCache,
  ) {
    this.sessions = cache.sessions;
    this.inflight = cache.inflight;
    this.key = connectionKey(connection);
    this.cipherKey = nodeCrypto()
      .createHash("sha256")
      .update(`nice-cxone-handover/token-cache/v1\0${connection.clientSecret}\0${connection.accessKeySecret}`)
      .digest();
  }

  /** A valid session: from memory, else a fresh token (discovery is reused when known). Concurrent callers share one. */
  async session(deadlineAt: number): Promise<AuthSession> {
    const cached = this.sessions.get(this.key);
    if (cached && !needsRenewal(cached, Date.now())) return cached;
    let pending = this.inflight.get(this.key);
    if (!pending) {
      pending = this.authenticate(cached, deadlineAt).finally(() => this.inflight.delete(this.key));
      this.inflight.set(this.key, pending);
    }
    return pending;
  }

  /** Drops a token CXone refused, unless another caller already replaced it. */
  invalidate(token: string): void {
    const cached = this.sessions.get(this.key);
    if (cached?.accessToken === token) this.sessions.set(this.key, { ...cached, expiresAt: 0 });
  }

  current(): AuthSession | undefined {
    return this.sessions.get(this.key);
  }

  export(): PersistedAuth | undefined {
    const s = this.sessions.get(this.key);
    if (!s || needsRenewal(s, Date.now())) return undefined;
    const known = exported.get(s);
    if (known) return known;
    const iv = nodeCrypto().randomBytes(12);
    const cipher = nodeCrypto().createCipheriv("aes-256-gcm", this.cipherKey, iv);
    // Bound to its connection: a blob copied into another connection's context fails authentication.
    cipher.setAAD(Buffer.from(this.key, "utf8"));
    const body = Buffer.concat([cipher.update(JSON.stringify(s), "utf8"), cipher.final()]);
    const blob = Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
    const persisted: PersistedAuth = { v: 2, key: this.key, expiresAt: s.expiresAt, blob };
    exported.set(s, persisted);
    return persisted;
  }

  /** Restores a session persisted by export(); anything foreign, tampered or expired is ignored. */
  import(persisted: unknown): boolean {
    const p = persisted as Partial<PersistedAuth> | undefined;
    if (p?.v !== 2 || p.key !== this.key || typeof p.blob !== "string") return false;
    const cached = this.sessions.get(this.key);
    if (cached && !needsRenewal(cached, Date.now())) return false;
    try {
      const raw = Buffer.from(p.blob, "base64url");
      const decipher = nodeCrypto().createDecipheriv("aes-256-gcm", this.cipherKey, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(this.key, "utf8"));
      decipher.setAuthTag(raw.subarray(12, 28));
      const json = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
      const s = JSON.parse(json) as AuthSession;
      if (typeof s.accessToken !== "string" || needsRenewal(s, Date.now())) return false;
      this.sessions.set(this.key, s);
      return true;
    } catch {
      return false;
    }
  }

  private async authenticate(previous: AuthSession | undefined, deadlineAt: number): Promise<AuthSession> {
    const c = this.connection;
    const tokenEndpoint = previous?.tokenEndpoint ?? (await this.discoverTokenEndpoint(deadlineAt));
    const form = new URLSearchParams({ grant_type: "password", username: c.accessKeyId, password: c.accessKeySecret });
    const basic = Buffer.from(`${c.clientId}:${c.clientSecret}`).toString("base64");
    let token: { access_token: string; expires_in: number; id_token?: string };
    try {
      ({ data: token } = await this.transport.send(
        {
          operation: "token request",
          method: "POST",
          url: tokenEndpoint,
          headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded" },
          body: form.toString(),
          // A password grant has no side effect: repeating it after a 5xx is safe.
          idempotent: true,
          schema: tokenResponseSchema,
        },
        deadlineAt,
      ));
    } catch (err) {
      throw explainTokenFailure(err);
    }

    const lifetimeMs = token.expires_in * 1000;
    let { tenantId, dfoBaseUrl, apiBaseUrl, area } = previous ?? { tenantId: "", dfoBaseUrl: "", apiBaseUrl: "" };
    const claims = { ...decodeJwtClaims(token.access_token), ...decodeJwtClaims(token.id_token) };
    if (!previous) {
      tenantId = typeof claims.tenantId === "string" ? claims.tenantId : "";
      if (!tenantId) throw new CxoneAuthError("CXone token has no tenantId claim; is the auth host a CXone host?");
      ({ dfoBaseUrl, apiBaseUrl, area } = await this.discoverApiHosts(tenantId, deadlineAt));
    }
    const session: AuthSession = {
      accessToken: token.access_token,
      expiresAt: Date.now() + lifetimeMs,
      lifetimeMs,
      tenantId,
      tokenEndpoint,
      dfoBaseUrl,
      apiBaseUrl,
      area,
      issuedAt: typeof claims.iat === "number" ? claims.iat * 1000 : undefined,
    };
    this.sessions.set(this.key, session);
    return session;
  }

  private async discoverTokenEndpoint(deadlineAt: number): Promise<string> {
    const { data } = await this.transport.send(
      {
        operation: "OpenID discovery",
        method: "GET",
        url: `${this.connection.authHost}/.well-known/openid-configuration`,
        schema: openIdConfigurationSchema,
      },
      deadlineAt,
    );
    return assertSafeEndpoint(data.token_endpoint, "token endpoint");
  }

  private async discoverApiHosts(tenantId: string, deadlineAt: number) {
    const { data } = await this.transport.send(
      {
        operation: "tenant discovery",
        method: "GET",
        url: `${this.connection.authHost}/.well-known/cxone-configuration`,
        params: { tenantId },
        schema: cxoneConfigurationSchema,
      },
      deadlineAt,
    );
    if (!this.connection.dfoBaseUrl && !data.area) {
      // Optional in NiCE's OpenAPI: without it the Digital host cannot be derived, only configured.
      throw new CxoneApiError(
        200,
        "CXone tenant discovery: the answer has no field area, so the Digital API host (api-de-{area}.{domain}) is unknown; set the connection's Digital API base URL (dfoBaseUrl)",
      );
    }
    const dfoBaseUrl =
      this.connection.dfoBaseUrl ?? assertSafeEndpoint(digitalBaseUrl(data.area as string, data.domain), "API");
    const apiBaseUrl = data.api_endpoint ? assertSafeEndpoint(data.api_endpoint, "API endpoint") : dfoBaseUrl;
    return { dfoBaseUrl, apiBaseUrl, area: data.area };
  }
}

/** Digital Engagement base per NiCE's own SDK (cxone-configuration model): https://api-de-{area}.{domain}. */
export function digitalBaseUrl(area: string, domain: string): string {
  // FedRAMP: NiCE's SDK hard-codes this host rather than deriving it.
  if (area === "na2") return "https://api-de-na2.nicecxone-gov.com";
  // Checked as hostname labels: discovery must not be able to add a path, a port, a user or another host.
  const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
  if (!label.test(area) || domain.length > 253 || !domain.split(".").every((l) => label.test(l))) {
    throw new CxoneError("api", "CXone tenant discovery returned an area or domain that is not a host name");
  }
  return `https://api-de-${area}.${domain}`;
}

function explainTokenFailure(err: unknown): unknown {
  if (!(err instanceof CxoneError) || !("status" in err)) return err;
  const status = (err as { status?: number }).status;
  const code = (err as { errorCode?: string }).errorCode;
  if (code === "invalid_client" || status === 401) {
    return new CxoneAuthError(
      "CXone refused the client credentials (invalid_client): check clientId and clientSecret in the connection",
      status,
    );
  }
  if (code === "invalid_grant" || status === 400 || status === 403) {
    return new CxoneAuthError(
      "CXone refused the access key (invalid_grant): check accessKeyId and accessKeySecret, and that the key's user is active",
      status,
    );
  }
  return err;
}
