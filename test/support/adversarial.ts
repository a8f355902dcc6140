/**
 * User turns that made the old patterns retry from every position (quadratic). Speed itself is measured in
 * `npm run bench -- nodes`; here each 100 KB turn must finish in a fraction of the node's 20 s budget, which a
 * quadratic pattern misses by an order of magnitude (4–28 s per turn before the rewrite).
 */
export const ADVERSARIAL_TURNS: Record<string, string> = {
  "local part without @": "a".repeat(100_000),
  "digits without end": "1".repeat(100_000),
  "plus and digits": "+1".repeat(50_000),
  "dots in a local part": "a.".repeat(50_000),
  "one @ and endless labels": `a@${"b.".repeat(49_999)}`,
  "dash groups": `${"1-".repeat(50_000)}x`,
  "letters and digits": "1a".repeat(50_000),
  "phone brackets": ` ${"1(".repeat(50_000)}`,
  "near-cards": " 4111 1111 1111 111".repeat(5_200),
  "many addresses": "jane.doe@example.com ".repeat(4_800),
};
