// Where the relay keeps shared state (de-duplication, delivery progress, poll lock, case states): memory or Redis.
import Redis, { type Result } from "ioredis";
import { errorCode } from "./caught";

/**
 * Shared relay state: de-duplication of CXone message ids, delivery progress, the poll lock and the last case states
 * seen. In memory (LRU-bounded) for one instance; in Redis when REDIS_URL is set, so several relays behind a load
 * balancer agree and a restart loses nothing. Only a few primitives, so both implementations stay obviously equal.
 */
export interface Store {
  readonly kind: "memory" | "redis";
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Takes the lease on `key` (SET NX PX) or extends it when `owner` already holds it; true when `owner` holds it. */
  acquire(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up, only if `owner` still holds it. */
  release(key: string, owner: string): Promise<void>;
  hashGet(hash: string, field: string): Promise<string | undefined>;
  hashGetAll(hash: string): Promise<Map<string, string>>;
  hashSet(hash: string, field: string, value: string): Promise<void>;
  hashDelete(hash: string, field: string): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * One process only. Bounded: the least recently used keys go first when `maxKeys` is reached. A delivered agent
 * message leaves one key (`done:…`, ~380 bytes of heap with its record and Map slot, measured on Node 20); its lease
 * and progress keys are removed when the delivery ends. So the heap stops growing at ~maxKeys × 380 bytes.
 */
export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  private readonly keys = new Map<string, Entry>();
  private readonly hashes = new Map<string, Map<string, string>>();

  constructor(
    private readonly maxKeys = 200_000,
    private readonly maxHashFields = 100_000,
    private readonly now: () => number = Date.now,
    private readonly onEvict: (what: string) => void = () => {},
  ) {}

  async get(key: string) {
    const entry = this.live(key);
    if (!entry) return undefined;
    // Re-insert: Map order is the LRU order.
    this.keys.delete(key);
    this.keys.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number) {
    this.put(key, value, ttlMs);
  }

  async del(key: string) {
    this.keys.delete(key);
  }

  async acquire(key: string, owner: string, ttlMs: number) {
    const entry = this.live(key);
    if (entry && entry.value !== owner) return false;
    this.put(key, owner, ttlMs);
    return true;
  }

  async release(key: string, owner: string) {
    if (this.live(key)?.value === owner) this.keys.delete(key);
  }

  async hashGet(hash: string, field: string) {
    return this.hashes.get(hash)?.get(field);
  }

  async hashGetAll(hash: string) {
    return new Map(this.hashes.get(hash) ?? []);
  }

  async hashSet(hash: string, field: string, value: string) {
    let h = this.hashes.get(hash);
    if (!h) {
      h = new Map();
      this.hashes.set(hash, h);
    }
    h.delete(field);
    h.set(field, value);
    const oldest = h.size > this.maxHashFields ? h.keys().next() : undefined;
    if (oldest && !oldest.done) {
      h.delete(oldest.value);
      this.onEvict(`${hash} field`);
    }
  }

  async hashDelete(hash: string, field: string) {
    this.hashes.get(hash)?.delete(field);
  }

  async ping() {
    return true;
  }

  async close() {}

  private live(key: string): Entry | undefined {
    const entry = this.keys.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.keys.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(key: string, value: string, ttlMs: number) {
    this.keys.delete(key);
    this.keys.set(key, { value, expiresAt: this.now() + ttlMs });
    for (const oldest of this.keys.keys()) {
      if (this.keys.size <= this.maxKeys) break;
      this.keys.delete(oldest);
      this.onEvict("key");
    }
  }
}

const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

// The two scripts RedisStore defines (defineCommand), typed the way ioredis documents for custom commands.
declare module "ioredis" {
  interface RedisCommander<Context> {
    relayExtend(key: string, owner: string, ttlMs: number): Result<number, Context>;
    relayRelease(key: string, owner: string): Result<number, Context>;
  }
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;

/** Several relays share it; every key carries `prefix` so one Redis can serve several deployments. */
export class RedisStore implements Store {
  readonly kind = "redis" as const;
  private readonly redis: Redis;
  private connected = false;

  constructor(
    url: string,
    private readonly prefix: string,
    /** Longest wait for one Redis answer; a frozen Redis then costs CXone this long before its 503. */
    commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
  ) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      // Every command is bounded in time: a Redis that stops answering (frozen, partitioned) fails the call after
      // commandTimeoutMs, so CXone gets a 503 and retries, instead of a request hanging until CXone gives up.
      commandTimeout: commandTimeoutMs,
      // While disconnected, fail at once instead of queueing (a queued call is an unbounded wait); the reconnect
      // strategy below keeps trying in the background and calls work again as soon as Redis is back.
      enableOfflineQueue: false,
      // A command caught by a dropped connection fails rather than being resent: the caller's 503 makes CXone resend
      // the whole request, which the delivery lease and the done record make safe.
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(commandTimeoutMs, 1000),
      // Notices a peer that vanished without closing the connection (a dead host), not only a closed socket.
      keepAlive: 10_000,
      enableAutoPipelining: true,
      // No retries until the first connection worked: an unreachable Redis at start-up fails fast and leaves no timer.
      retryStrategy: (times) => (this.connected ? Math.min(times * 200, 2000) : null),
    });
    this.redis.defineCommand("relayExtend", { numberOfKeys: 1, lua: EXTEND });
    this.redis.defineCommand("relayRelease", { numberOfKeys: 1, lua: RELEASE });
    // Connection errors surface through the calls that fail; without a listener ioredis would print them.
    this.redis.on("error", () => {});
  }

  /** Connects and checks; an unreachable Redis is a start-up error (without it nothing is de-duplicated). */
  async connect(): Promise<this> {
    try {
      await this.redis.connect();
      await this.redis.ping();
      this.connected = true;
      return this;
    } catch (err) {
      // Stop ioredis's reconnect timer, or the process would never exit.
      this.redis.disconnect();
      const code = errorCode(err);
      throw new Error(`REDIS_URL: cannot reach Redis${code ? ` (${code})` : ""}`);
    }
  }

  async get(key: string) {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number) {
    await this.redis.set(this.prefix + key, value, "PX", Math.max(1, Math.round(ttlMs)));
  }

  async del(key: string) {
    await this.redis.del(this.prefix + key);
  }

  async acquire(key: string, owner: string, ttlMs: number) {
    const ttl = Math.max(1, Math.round(ttlMs));
    const taken = await this.redis.set(this.prefix + key, owner, "PX", ttl, "NX");
    if (taken === "OK") return true;
    return (await this.redis.relayExtend(this.prefix + key, owner, ttl)) === 1;
  }

  async release(key: string, owner: string) {
    await this.redis.relayRelease(this.prefix + key, owner);
  }

  async hashGet(hash: string, field: string) {
    return (await this.redis.hget(this.prefix + hash, field)) ?? undefined;
  }

  async hashGetAll(hash: string) {
    return new Map(Object.entries(await this.redis.hgetall(this.prefix + hash)));
  }

  async hashSet(hash: string, field: string, value: string) {
    await this.redis.hset(this.prefix + hash, field, value);
  }

  async hashDelete(hash: string, field: string) {
    await this.redis.hdel(this.prefix + hash, field);
  }

  async ping() {
    try {
      return (await this.redis.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  async close() {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
