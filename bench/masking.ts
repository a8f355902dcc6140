import { redactPii } from "../src/handover/pii";
import { ADVERSARIAL_TURNS } from "../test/support/adversarial";
import { median, type Row, round } from "./util";

const RUNS = 7;

function timeMs(text: string): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    redactPii(text);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

/**
 * PII masking on attacker-controlled user text: each adversarial 100 KB turn against 100 KB of ordinary text dense
 * with addresses, phone and card numbers (what it costs), and the worst one at twice the size against itself (how it grows: ~2x when linear).
 */
export function benchMasking(): Row[] {
  // Ordinary text full of what masking looks for: every pattern matches, often.
  const prose = "Order 4711: mail jane.doe@example.com or call +49 170 1234567, card 4111 1111 1111 1111. ".repeat(
    1200,
  );
  const base = timeMs(prose.slice(0, 100_000));
  let worst = { name: "", ms: 0, text: "" };
  for (const [name, text] of Object.entries(ADVERSARIAL_TURNS)) {
    const ms = timeMs(text.slice(0, 100_000));
    if (ms > worst.ms) worst = { name, ms, text };
  }
  const doubled = timeMs(worst.text.slice(0, 100_000).repeat(2));
  return [
    {
      section: "masking",
      metric: `slowest adversarial 100 KB turn (${worst.name}), median of ${RUNS} (ms)`,
      value: round(worst.ms, 2),
      baseline: round(base, 2),
      ratio: round(worst.ms / base),
      target: "<= 10x ordinary text",
      met: worst.ms / base <= 10,
    },
    {
      section: "masking",
      metric: "the same turn at 200 KB vs 100 KB",
      value: round(doubled, 2),
      baseline: round(worst.ms, 2),
      ratio: round(doubled / worst.ms),
      target: "<= 3x (linear: ~2x)",
      met: doubled / worst.ms <= 3,
    },
  ];
}
