// JSON bodies from CXone parsed with ids beyond 2^53 kept exact (big integers quoted before parsing).
/**
 * CXone ids may be JSON numbers. Beyond 2^53 JSON.parse rounds them, so two different message ids (and with them
 * de-duplication) would become one. The relay quotes such integers before parsing and keeps every id as the digits
 * CXone sent. One linear pass, and only for a body that has a run of 16 digits at all.
 */
const SIXTEEN_DIGITS = /\d{16}/;

const isDigit = (c: number) => c >= 48 && c <= 57;

export function quoteBigIntegers(json: string): string {
  if (!SIXTEEN_DIGITS.test(json)) return json;
  let out = "";
  let copied = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (!isDigit(c) && c !== 45) continue;
    let end = c === 45 ? i + 1 : i;
    const digitsStart = end;
    while (end < json.length && isDigit(json.charCodeAt(end))) end++;
    const next = json.charCodeAt(end);
    const integer = next !== 46 && next !== 101 && next !== 69; // not followed by . e E
    if (integer && end - digitsStart >= 16 && !Number.isSafeInteger(Number(json.slice(i, end)))) {
      out += `${json.slice(copied, i)}"${json.slice(i, end)}"`;
      copied = end;
    }
    i = end - 1;
  }
  return copied === 0 ? json : out + json.slice(copied);
}
