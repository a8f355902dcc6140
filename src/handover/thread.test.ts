import { createHmac, hkdfSync } from "node:crypto";
import { CxoneConfigError } from "../cxone/errors";
import {
  type ConversationRef,
  decodeThreadId,
  encodeThreadId,
  MAX_THREAD_ID_LENGTH,
  threadKeyProblem,
  threadKeys,
} from "./thread";

const KEY = "current-thread-key-0123456789abcdef";
const OLD = "previous-thread-key-0123456789abcdef";
const ref = (n: number, flag = false): ConversationRef => ({
  userId: `user-${n}`,
  sessionId: `session-${n}`,
  urlToken: `token${n}`,
  handoverId: `h${n}`,
  displayAgentDetails: flag,
  // Vary the other flag bits too, so a round trip proves each bit survives.
  flowAnnouncesAgent: n % 2 === 0,
  takesDataEvents: n % 3 === 0,
});
const keys = threadKeys([KEY]);
/** A payload signed with KEY the way the thread id's format is specified (HKDF key, HMAC-SHA256 cut to 128 bits). */
function signed(payload: string): string {
  const key = Buffer.from(hkdfSync("sha256", KEY, "cognigy-cxone-handover", "thread-id-mac-v1", 32));
  const mac = createHmac("sha256", key).update(`cgy2.${payload}`).digest().subarray(0, 16).toString("base64url");
  return `cgy2.${payload}.${mac}`;
}
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

describe("thread ids", () => {
  test("round trip: the signed id names the conversation it was made for", () => {
    const id = encodeThreadId(ref(1, true), KEY);
    expect(id).toMatch(/^cgy2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(decodeThreadId(id, keys)).toEqual(ref(1, true));
  });

  test("a change of any one character, anywhere, is never accepted", () => {
    const id = encodeThreadId(ref(2), KEY);
    let tried = 0;
    for (let i = 0; i < id.length; i++) {
      for (const c of ALPHABET) {
        if (c === id[i]) continue;
        const changed = id.slice(0, i) + c + id.slice(i + 1);
        tried++;
        expect(decodeThreadId(changed, keys)).toBeUndefined();
      }
    }
    expect(tried).toBeGreaterThan(id.length * 60);
    // Dropped or added characters too.
    for (let i = 0; i < id.length; i++) expect(decodeThreadId(id.slice(0, i) + id.slice(i + 1), keys)).toBeUndefined();
    expect(decodeThreadId(`${id}A`, keys)).toBeUndefined();
  });

  test("a splice of two genuine ids (payload of one, MAC of the other) is refused", () => {
    const [p1, m1] = encodeThreadId(ref(3), KEY).slice(5).split(".");
    const [p2, m2] = encodeThreadId(ref(4), KEY).slice(5).split(".");
    expect(decodeThreadId(`cgy2.${p1}.${m2}`, keys)).toBeUndefined();
    expect(decodeThreadId(`cgy2.${p2}.${m1}`, keys)).toBeUndefined();
    // Half of one payload and half of another, re-signed by nobody.
    expect(decodeThreadId(`cgy2.${p1.slice(0, 20)}${p2.slice(20)}.${m1}`, keys)).toBeUndefined();
  });

  test("the agent-details flag cannot be switched on: it is inside the MAC", () => {
    const id = encodeThreadId(ref(5, false), KEY);
    const [payload, mac] = id.slice(5).split(".");
    const values = JSON.parse(Buffer.from(payload, "base64url").toString());
    values[4] = 1;
    const forged = Buffer.from(JSON.stringify(values)).toString("base64url");
    expect(decodeThreadId(`cgy2.${forged}.${mac}`, keys)).toBeUndefined();
  });

  test("only the canonical spelling of the MAC is ours (its last character has spare bits)", () => {
    const id = encodeThreadId(ref(6), KEY);
    const last = id[id.length - 1];
    const alphabet = ALPHABET.slice(0, 64);
    const value = alphabet.indexOf(last);
    // Same 16 bytes, other spare bits.
    const twins = [1, 2, 3].map((bits) => alphabet[(value & ~3) | ((value + bits) & 3)]).filter((c) => c !== last);
    expect(twins.length).toBeGreaterThan(0);
    for (const twin of twins) {
      const other = id.slice(0, -1) + twin;
      expect(Buffer.from(other.split(".")[2], "base64url")).toEqual(Buffer.from(id.split(".")[2], "base64url"));
      expect(decodeThreadId(other, keys)).toBeUndefined();
    }
  });

  test("rotation: the previous key keeps open handovers routable until it is removed; a foreign key never", () => {
    const openedBefore = encodeThreadId(ref(7), OLD);
    const openedAfter = encodeThreadId(ref(8), KEY);
    const rotating = threadKeys([KEY, OLD]);
    expect(decodeThreadId(openedBefore, rotating)).toEqual(ref(7));
    expect(decodeThreadId(openedAfter, rotating)).toEqual(ref(8));
    expect(decodeThreadId(openedBefore, keys)).toBeUndefined();
    expect(decodeThreadId(encodeThreadId(ref(9), "someone-elses-key-0123456789abcdef"), rotating)).toBeUndefined();
  });

  test("unsigned ids of releases before signing: only inside the upgrade window the relay admin opened", () => {
    const legacy = `cgy1.${Buffer.from(JSON.stringify(["u", "s", "tok", "h", 0])).toString("base64url")}`;
    let now = 1_000;
    expect(decodeThreadId(legacy, keys)).toBeUndefined();
    const window = threadKeys([KEY], { legacyUntil: 2_000, now: () => now });
    expect(decodeThreadId(legacy, window)).toMatchObject({ userId: "u", urlToken: "tok" });
    now = 2_000;
    expect(decodeThreadId(legacy, window)).toBeUndefined();
  });

  test("the relay's allow-list of endpoint URL tokens", () => {
    const allowed = threadKeys([KEY], { urlTokens: ["token10"] });
    expect(decodeThreadId(encodeThreadId(ref(10), KEY), allowed)).toEqual(ref(10));
    expect(decodeThreadId(encodeThreadId(ref(11), KEY), allowed)).toBeUndefined();
  });

  test("Hand over refuses a missing or short key and an id longer than CXone takes, with the field to fix", () => {
    expect(() => encodeThreadId(ref(12), undefined)).toThrow(CxoneConfigError);
    expect(() => encodeThreadId(ref(12), "short")).toThrow(/threadKey: is too short/);
    expect(threadKeyProblem("x".repeat(32))).toBeUndefined();
    const long = { ...ref(13), userId: "u".repeat(256), sessionId: "s".repeat(255), urlToken: "t".repeat(254) };
    expect(() => encodeThreadId(long, KEY)).toThrow(/^userId: is 256 characters: with .* over the 1024/);
    // Typical Cognigy ids (uuids, a 64-character URL token) leave plenty of room.
    const typical = {
      userId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
      sessionId: "session-3f2504e0-4f89-41d3-9a0c-0305e82c3301",
      urlToken: "a".repeat(64),
      handoverId: "h0123456789abcdef",
      displayAgentDetails: true,
    };
    expect(encodeThreadId(typical, KEY).length).toBeLessThan(MAX_THREAD_ID_LENGTH / 3);
  });

  test("encode refuses exactly what decode would refuse, each id by its own name (one check for both ends)", () => {
    const base = ref(14);
    const cases: [string, Partial<ConversationRef>][] = [
      ["userId", { userId: "u".repeat(257) }],
      ["sessionId", { sessionId: "s".repeat(257) }],
      ["URLToken", { urlToken: "t".repeat(257) }],
      ["handoverId", { handoverId: "h".repeat(257) }],
      ["userId", { userId: "" }],
      ["URLToken", { urlToken: "a/b" }],
    ];
    const payloadOf = (r: ConversationRef) =>
      Buffer.from(JSON.stringify([r.userId, r.sessionId, r.urlToken, r.handoverId, 0])).toString("base64url");
    // The hand signing below is right: good ids signed that way decode.
    expect(decodeThreadId(signed(payloadOf(base)), keys)).toMatchObject({ userId: base.userId });
    for (const [field, change] of cases) {
      const bad = { ...base, ...change };
      expect(() => encodeThreadId(bad, KEY)).toThrow(new RegExp(`^${field}: `));
      // The same ids signed by hand (as a forger with the key, or an older Hand over, would): the relay refuses them.
      expect(decodeThreadId(signed(payloadOf(bad)), keys)).toBeUndefined();
    }
    // The waiting options (the sixth element): a number outside its limit is refused by its Hand over field when
    // encoding, and read as "off" when decoding.
    const week = 7 * 86_400;
    const withWait = (timeoutSeconds: number) => ({ ...base, wait: { inactivity: { timeoutSeconds, message: "m" } } });
    expect(() => encodeThreadId(withWait(week + 1), KEY)).toThrow(/^inactivityTimeout: /);
    const packedOf = (s: number) =>
      Buffer.from(
        JSON.stringify([base.userId, base.sessionId, base.urlToken, base.handoverId, 0, { i: [s, 0], im: "m" }]),
      ).toString("base64url");
    expect(decodeThreadId(signed(packedOf(week + 1)), keys)?.wait).toBeUndefined();
    expect(decodeThreadId(signed(packedOf(week)), keys)?.wait).toEqual(withWait(week).wait);
    expect(decodeThreadId(encodeThreadId(withWait(week), KEY), keys)?.wait).toEqual(withWait(week).wait);
    // At the per-id limit both ends agree too.
    const fits = { ...base, userId: "u".repeat(256), handoverId: "h".repeat(256) };
    expect(decodeThreadId(encodeThreadId(fits, KEY), keys)).toEqual(fits);
  });

  test("garbage is refused without throwing", () => {
    for (const bad of [
      undefined,
      42,
      "",
      "cgy2.",
      "cgy2..",
      "cgy2.a.b",
      "cgy2.!!!.AAAAAAAAAAAAAAAAAAAAAA",
      "x".repeat(5000),
    ]) {
      expect(decodeThreadId(bad, keys)).toBeUndefined();
    }
  });
});
