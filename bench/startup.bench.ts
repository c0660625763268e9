import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { newState } from "../src/state/schema.js";
import { writeStateAtomic } from "../src/state/store.js";
import type { BenchModule } from "./run.js";

const BIN = fileURLToPath(new URL("../bin/aurora-migrate.js", import.meta.url));
const RUNS = 15;

function once(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}`);
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const bench: BenchModule = {
  title: "`aurora-migrate --help` and `status` start-up time as a ratio of `node -e 0` (the esbuild bundle in dist/bundle/; no step, pg, ora or AWS SDK loaded for them)",
  async run() {
    const dir = mkdtempSync(join(tmpdir(), "bench-startup-"));
    const statePath = join(dir, "m.state.json");
    const state = newState("bench", new Date());
    state.steps["source-connection"] = { status: "done", attempts: 1, findings: [], startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() };
    await writeStateAtomic(statePath, state);
    const commands: Record<string, string[]> = {
      "node -e 0 (baseline)": ["-e", "0"],
      "aurora-migrate --help": [BIN, "--help"],
      "aurora-migrate start --help": [BIN, "start", "--help"],
      "aurora-migrate status": [BIN, "status", "--state", statePath],
    };
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    for (const args of Object.values(commands)) once(args); // warm the file cache
    // Interleaved, so a busy neighbour slows every command alike.
    for (let i = 0; i < RUNS; i++) for (const [name, args] of Object.entries(commands)) times[name]?.push(once(args));
    const base = median(times["node -e 0 (baseline)"] ?? []);
    console.log(`baseline node -e 0: median ${base.toFixed(1)} ms over ${RUNS} interleaved runs`);
    const goals: Record<string, string> = { "aurora-migrate --help": "goal ≤ 1.5×", "aurora-migrate status": "goal ≤ 2×" };
    for (const name of Object.keys(commands).slice(1)) {
      const ms = median(times[name] ?? []);
      console.log(`${name.padEnd(28)} ${(ms / base).toFixed(2)}× baseline (${ms.toFixed(1)} ms)${goals[name] ? `  ${goals[name]}` : ""}`);
    }
    rmSync(dir, { recursive: true, force: true });
  },
};
export default bench;
