import { ADVERSARIAL_TURNS } from "../../test/support/adversarial";
import { luhnValid, REDACTED, redactPii } from "./pii";

describe("redactPii", () => {
  test("masks e-mail addresses", () => {
    expect(redactPii("write to jane.doe+x@mail.example.co.uk now")).toBe(`write to ${REDACTED.email} now`);
    expect(redactPii("a@b.de, c_d@e-f.example.org.")).toBe(`${REDACTED.email}, ${REDACTED.email}.`);
    expect(redactPii("x@y@example.com")).toBe(`x@${REDACTED.email}`);
    // Not addresses: no top-level domain, no local part, a handle.
    expect(redactPii("user@localhost, @example.com, me@1.2, @jane")).toBe(
      "user@localhost, @example.com, me@1.2, @jane",
    );
  });

  test("masks only Luhn-valid card numbers, however they are grouped", () => {
    expect(redactPii("card 4111 1111 1111 1111.")).toBe(`card ${REDACTED.card}.`);
    expect(redactPii("card 5500-0000-0000-0004")).toBe(`card ${REDACTED.card}`);
    expect(redactPii("card 378282246310005")).toBe(`card ${REDACTED.card}`);
    // 16 digits failing the Luhn check: an order number, left alone (and too long for a phone).
    expect(redactPii("order 1234 5678 9012 3456")).toBe("order 1234 5678 9012 3456");
  });

  test("masks phone numbers but not dates, times or short numbers", () => {
    expect(redactPii("call +49 170 1234567 or (030) 123-4567")).toBe(`call ${REDACTED.phone} or ${REDACTED.phone}`);
    expect(redactPii("on 2026-01-15 at 10:30, order 4711, 3 items")).toBe(
      "on 2026-01-15 at 10:30, order 4711, 3 items",
    );
    expect(redactPii("born 15.01.1990")).toBe("born 15.01.1990");
  });

  test("luhnValid", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("")).toBe(false);
  });
});

describe("masking is linear in the text", () => {
  test.each(Object.entries(ADVERSARIAL_TURNS))("100 KB of %s", (_name, text) => {
    expect(text.length).toBeGreaterThanOrEqual(95_000);
    const started = process.hrtime.bigint();
    const masked = redactPii(text);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(ms).toBeLessThan(2_000);
    expect(masked.length).toBeGreaterThan(0);
  });

  test("what the scan masks in a long text is what it masks in each short piece", () => {
    const piece = "mail jane.doe@example.com or call +49 170 1234567, card 4111 1111 1111 1111. ";
    expect(redactPii(piece.repeat(1000))).toBe(redactPii(piece).repeat(1000));
  });
});
