import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, shouldRetry } from "./retry";

describe("shouldRetry", () => {
  test.each([
    [{ status: 429 }, false, true],
    [{ status: 503 }, true, true],
    [{ status: 503 }, false, false],
    [{ networkError: true }, true, true],
    [{ networkError: true }, false, false],
    [{ status: 400 }, true, false],
    [{ status: 401 }, true, false],
    [{ status: 404 }, true, false],
  ])("%j idempotent=%s -> %s", (outcome, idempotent, expected) => {
    expect(shouldRetry(outcome, idempotent)).toBe(expected);
  });
});

describe("parseRetryAfter", () => {
  test("seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("Wed, 25 Nov 2026 10:00:05 GMT", Date.parse("Wed, 25 Nov 2026 10:00:00 GMT"))).toBe(5000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});

describe("backoffDelay", () => {
  test("grows exponentially with jitter in [half, full] and is capped", () => {
    expect(backoffDelay(0, DEFAULT_RETRY, undefined, () => 0)).toBe(150);
    expect(backoffDelay(0, DEFAULT_RETRY, undefined, () => 1)).toBe(300);
    expect(backoffDelay(3, DEFAULT_RETRY, undefined, () => 1)).toBe(2400);
    expect(backoffDelay(10, DEFAULT_RETRY, undefined, () => 1)).toBe(4000);
  });
  test("Retry-After wins", () => {
    expect(backoffDelay(0, DEFAULT_RETRY, 7000, () => 0.5)).toBe(7000);
  });
});
