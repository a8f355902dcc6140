/**
 * Masking of personal data in the transcript an agent reads. User text is attacker-controlled and a turn can be
 * 100 KB, so every pass here is linear in the text: e-mail addresses are found by a hand-written scan around each
 * `@` (a regex with an unbounded local part retries from every start position: ~4 s per 100 KB turn), the card
 * pattern is bounded, and the phone pattern can only fail once per run of phone characters.
 */

/** 13–19 digits, optionally grouped by single spaces or dashes (how people type card numbers). */
const CARD_CANDIDATE = /(?<![\d\w])\d(?:[ -]?\d){12,18}(?![\d\w])/g;
/** Something phone-shaped: optional +, digits with spaces, dots, dashes, slashes or brackets. */
const PHONE_CANDIDATE = /(?<![\w+])(?:\+|\(\+?)?\d[\d\s()./-]{5,}\d(?![\w])/g;
const DATE_LIKE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;

/** Luhn checksum: real card numbers pass, most other long digit strings (order numbers, ids) do not. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

export const REDACTED = { email: "[email]", card: "[card number]", phone: "[phone]" } as const;

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isLetter(c) || (c >= 48 && c <= 57);
/** `[A-Za-z0-9._%+-]` */
const isLocalChar = (c: number) => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
/** `[A-Za-z0-9-]`, a domain label's characters. */
const isLabelChar = (c: number) => isAlnum(c) || c === 45;

/**
 * End (exclusive) of the domain starting at `start`: labels separated by single dots, at least two, the last one
 * beginning with two letters (a top-level domain); -1 when there is none. Linear: each character is read once.
 */
function domainEnd(text: string, start: number): number {
  let end = -1;
  let i = start;
  let labels = 0;
  for (;;) {
    const labelStart = i;
    while (i < text.length && isLabelChar(text.charCodeAt(i))) i++;
    if (i === labelStart) break;
    labels++;
    if (labels >= 2 && isLetter(text.charCodeAt(labelStart)) && isLetter(text.charCodeAt(labelStart + 1))) end = i;
    if (text.charCodeAt(i) !== 46) break;
    i++;
  }
  return end;
}

/** Masks `local@domain.tld`. Each `@` looks left only back to the previous match or `@`, so the whole scan is linear. */
function maskEmails(text: string): string {
  let out = "";
  let copied = 0;
  let at = text.indexOf("@");
  while (at !== -1) {
    let start = at;
    while (start > copied && isLocalChar(text.charCodeAt(start - 1))) start--;
    const end = start < at ? domainEnd(text, at + 1) : -1;
    if (end !== -1) {
      out += text.slice(copied, start) + REDACTED.email;
      copied = end;
    }
    at = text.indexOf("@", Math.max(at + 1, copied));
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Masks e-mail addresses, card numbers (only Luhn-valid 13–19 digit numbers, so order numbers survive) and phone
 * numbers (7–15 digits, dates excluded). Errs towards masking: a masked order number costs less than a leaked card.
 */
export function redactPii(text: string): string {
  let out = maskEmails(text);
  out = out.replace(CARD_CANDIDATE, (m) => (luhnValid(m.replace(/[ -]/g, "")) ? REDACTED.card : m));
  out = out.replace(PHONE_CANDIDATE, (m) => {
    const trimmed = m.trim();
    const digits = trimmed.replace(/\D/g, "");
    if (digits.length < 7 || digits.length > 15 || DATE_LIKE.test(trimmed)) return m;
    // Keep the whitespace the match swallowed at its edges.
    return m.replace(trimmed, REDACTED.phone);
  });
  return out;
}
