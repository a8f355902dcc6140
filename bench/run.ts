// The benchmarks: `npm run bench` measures each section with its baseline and writes bench/results.json.
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { benchBundle } from "./bundle";
import { benchCasePoll } from "./case-poll";
import { benchMasking } from "./masking";
import { benchNodes } from "./nodes";
import { benchQueueUpdates } from "./queue-updates";
import { benchRelay } from "./relay";
import type { Row } from "./util";

// The bench runs the sandbox and a sink on plain-http loopback: dev mode (src/cxone/config.ts).
process.env.CXONE_HANDOVER_DEV_MODE = "1";

/** `npm run bench`: every figure is measured in this one run, with its baseline beside it. */
async function main() {
  const only = process.argv.slice(2);
  const sections: [string, () => Promise<Row[]> | Row[]][] = [
    ["bundle", benchBundle],
    ["nodes", benchNodes],
    ["masking", benchMasking],
    ["relay", benchRelay],
    ["case-poll", benchCasePoll],
    ["queue-updates", benchQueueUpdates],
  ];
  const rows: Row[] = [];
  for (const [name, run] of sections) {
    if (only.length && !only.includes(name)) continue;
    process.stderr.write(`› ${name}\n`);
    rows.push(...(await run()));
  }
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, at: new Date().toISOString() };
  console.log(`machine: ${machine.cores} cores, ${machine.cpu}, node ${machine.node}\n`);
  console.log("| section | metric | value | baseline | ratio | target | met |");
  console.log("|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const met = r.met === undefined ? "" : r.met ? "yes" : "NO";
    console.log(
      `| ${r.section} | ${r.metric} | ${r.value} | ${r.baseline ?? ""} | ${r.ratio ?? ""} | ${r.target ?? ""} | ${met} |`,
    );
  }
  writeFileSync(join(__dirname, "results.json"), `${JSON.stringify({ machine, rows }, null, 2)}\n`);
  console.log("\nwritten: bench/results.json");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
