// The bearer tokens the relay issues to CXone and verifies: signed, stateless, revoked by rotating the secret.
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Bearer tokens the relay issues to CXone (OAuth2 client credentials). A token is `rt1.<payload>.<mac>` where the
 * MAC is HMAC-SHA256 with a key derived (HKDF) from RELAY_CLIENT_SECRET: any relay instance with the same secret can
 * verify it with no shared state, and rotating the secret revokes every token.
 */

const PREFIX = "rt1";

interface TokenPayload {
  /** Digest of the client id the token was issued to. */
  sub: string;
  iat: number;
  exp: number;
  jti: string;
}

export type TokenCheck = { ok: true } | { ok: false; reason: "missing" | "malformed" | "forged" | "expired" };

/** Tokens whose MAC was checked, with their expiry: CXone sends the same bearer on every call until it expires. */
const VERIFIED_CACHE_SIZE = 1024;
const OK: TokenCheck = { ok: true };

export class TokenIssuer {
  private readonly key: Buffer;
  private readonly credentialKey: Buffer;
  private readonly expectedId: Buffer;
  private readonly expectedSecret: Buffer;
  private readonly subject: string;
  /** token -> expiry (ms). Only genuine tokens get in, so a flood of forged ones cannot evict them or grow it. */
  private readonly verified = new Map<string, number>();

  constructor(
    clientId: string,
    clientSecret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    const secret = Buffer.from(clientSecret, "utf8");
    this.key = Buffer.from(hkdfSync("sha256", secret, "cxone-relay", "byoc-bearer-token-v1", 32));
    // Credentials are compared as MACs of equal length, so neither their content nor their length leaks in timing.
    this.credentialKey = Buffer.from(hkdfSync("sha256", randomBytes(32), "cxone-relay", "credential-compare", 32));
    this.expectedId = this.mac(clientId);
    this.expectedSecret = this.mac(clientSecret);
    this.subject = createHash("sha256").update(clientId).digest("base64url").slice(0, 16);
  }

  /** Constant-time check of the client credentials CXone presents. */
  credentialsValid(clientId: unknown, clientSecret: unknown): boolean {
    if (typeof clientId !== "string" || typeof clientSecret !== "string") return false;
    // Both comparisons always run: no early exit that would tell which part was wrong.
    const idOk = timingSafeEqual(this.mac(clientId), this.expectedId);
    const secretOk = timingSafeEqual(this.mac(clientSecret), this.expectedSecret);
    return idOk && secretOk;
  }

  issue(): { access_token: string; token_type: "Bearer"; expires_in: number } {
    const iat = Math.floor(this.now() / 1000);
    const payload: TokenPayload = {
      sub: this.subject,
      iat,
      exp: iat + this.ttlSeconds,
      jti: randomBytes(9).toString("base64url"),
    };
    const body = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
    return { access_token: `${PREFIX}.${body}.${this.sign(body)}`, token_type: "Bearer", expires_in: this.ttlSeconds };
  }

  verify(authorization: string | undefined): TokenCheck {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (!token) return { ok: false, reason: "missing" };
    // A token seen before skips the HMAC and JSON (~10 us per request); its expiry is still checked every time.
    const knownExpiry = this.verified.get(token);
    if (knownExpiry !== undefined) {
      if (knownExpiry > this.now()) return OK;
      this.verified.delete(token);
      return { ok: false, reason: "expired" };
    }
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== PREFIX || parts[1].length > 512) return { ok: false, reason: "malformed" };
    // Compared as text, not decoded bytes: only the canonical spelling of the MAC is accepted.
    const given = Buffer.from(parts[2], "latin1");
    const expected = Buffer.from(this.sign(parts[1]), "latin1");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "forged" };
    let payload: TokenPayload;
    try {
      payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    } catch {
      return { ok: false, reason: "malformed" };
    }
    if (payload.sub !== this.subject) return { ok: false, reason: "forged" };
    if (typeof payload.exp !== "number" || payload.exp * 1000 <= this.now()) return { ok: false, reason: "expired" };
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
    this.verified.set(token, payload.exp * 1000);
    return OK;
  }

  private sign(body: string): string {
    return createHmac("sha256", this.key).update(`${PREFIX}.${body}`).digest("base64url");
  }

  private mac(value: string): Buffer {
    return createHmac("sha256", this.credentialKey).update(value, "utf8").digest();
  }
}

/**
 * Failed token requests, counted per presented client id and over all ids, in one-minute windows — not per client
 * address: behind a shared proxy the address is everyone's (guessers would lock CXone out), and with a trusted
 * X-Forwarded-For a guesser picks a new one per request. A correct id and secret always get a token, so nobody can lock
 * CXone out; wrong ones beyond the limit get 429 and are logged once per window instead of once each. What stops
 * guessing is the secret's length (at least 16 characters, README); the limit keeps failures cheap and quiet.
 */
export class FailedLogins {
  private windowStart = Number.NEGATIVE_INFINITY;
  private total = 0;
  private readonly perId = new Map<string, number>();
  private reported = false;

  constructor(
    private readonly perIdMax: number,
    private readonly totalMax: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one failure; `limited` when it is over a limit, `report` for the first such failure of the window. */
  fail(clientId: unknown): { limited: boolean; report: boolean; retryAfterSeconds: number } {
    const now = this.now();
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.total = 0;
      this.perId.clear();
      this.reported = false;
    }
    // Bounded: past 1,000 distinct ids in a window, the rest share one count.
    const id = typeof clientId === "string" && this.perId.size < 1000 ? clientId.slice(0, 200) : "\u0000other";
    const count = (this.perId.get(id) ?? 0) + 1;
    this.perId.set(id, count);
    this.total += 1;
    const limited = count > this.perIdMax || this.total > this.totalMax;
    const report = limited && !this.reported;
    if (report) this.reported = true;
    return { limited, report, retryAfterSeconds: Math.max(1, Math.ceil((this.windowStart + 60_000 - now) / 1000)) };
  }

  /** Failures in the current window (for the log line). */
  get count(): number {
    return this.total;
  }
}
