/**
 * The cutover's write window at two database sizes, with the demo's app writing throughout
 * (about 10 transactions a second through the app's role): `aurora-migrate demo --yes --rows N`
 * through the built binary, for a small and a ~20x larger database, BENCH_DEMO_RUNS times each
 * (default 3), interleaved. Nothing whose cost grows with the data may run inside the window,
 * so the ratio large/small of the window (excluding the user's switch hook, reported beside
 * it) should stay near 1. BENCH_DEMO_ROWS="small,large" sets the orders (default 9500,190000:
 * about 50k and 1M rows).
 *
 * Beside it, the rollback window (issue 14): `demo --rollback --yes --rows <small>` in the same
 * interleaved rounds — the app writes on Aurora after the switch, then `rollback` freezes Aurora
 * and switches back — its rollback window (freeze on Aurora → switch-back hook end) beside that
 * run's cutover window, both with the app writing, medians.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchModule } from "./run.js";

const BIN = fileURLToPath(new URL("../bin/aurora-migrate.js", import.meta.url));

interface DemoRun {
  /** Freeze → switch hook done, seconds (the cutover's own figure). */
  window: number;
  /** The user's switch hook, seconds. */
  hook: number;
  phases: string;
  rows: number;
}

function runDemo(orders: number): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const args = [BIN, "demo", "--yes", "--rows", String(orders), "--no-writes-after-switch"];
    const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    child.on("close", (code) => {
      const window = /Writes were unavailable for ([\d.]+) s/.exec(out)?.[1];
      const phases = /The write window, phase by phase: (.*)\./.exec(out)?.[1];
      const hook = phases === undefined ? undefined : /switch hook (\d+) ms/.exec(phases)?.[1];
      const rows = /Rows on the target when it was checked: ([\d,]+)/.exec(out)?.[1];
      if (code !== 0 || window === undefined || phases === undefined || hook === undefined) {
        reject(new Error(`demo --rows ${orders} exited ${String(code)}:\n${out.slice(-2000)}`));
      } else {
        resolve({ window: Number(window), hook: Number(hook) / 1000, phases, rows: Number((rows ?? "0").replace(/,/g, "")) });
      }
    });
  });
}

interface RollbackRun {
  /** The cutover's window (freeze → switch hook end), seconds, as the demo's summary prints it. */
  cutover: number;
  /** The rollback's window (freeze on Aurora → switch-back hook end), seconds. */
  rollback: number;
  /** The switch-back hook, seconds. */
  hook: number;
}

function runRollbackDemo(orders: number): Promise<RollbackRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "demo", "--rollback", "--yes", "--rows", String(orders)], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    child.on("close", (code) => {
      const cutover = /Cutover window \(writes unavailable, freeze to switch\): ([\d.]+) s/.exec(out)?.[1];
      const m = /Rollback window \(writes unavailable, freeze on Aurora to switch-back hook end\): ([\d.]+) s \(switch-back hook (\d+) ms\)/.exec(out);
      if (code !== 0 || cutover === undefined || !m) reject(new Error(`demo --rollback --rows ${orders} exited ${String(code)}:\n${out.slice(-2000)}`));
      else resolve({ cutover: Number(cutover), rollback: Number(m[1]), hook: Number(m[2]) / 1000 });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const bench: BenchModule = {
  title: "cutover window (excluding the switch hook) in `demo --yes` at two database sizes ~20x apart, with the app writing: ratio large/small; and the rollback window beside the cutover window in `demo --rollback`",
  async run() {
    const runs = Number(process.env["BENCH_DEMO_RUNS"] ?? 3);
    const [small, large] = (process.env["BENCH_DEMO_ROWS"] ?? "9500,190000").split(",").map(Number) as [number, number];
    const results: Record<"small" | "large", DemoRun[]> = { small: [], large: [] };
    const rollbacks: RollbackRun[] = [];
    for (let i = 0; i < runs; i++) {
      for (const [size, orders] of [["small", small], ["large", large]] as const) {
        const r = await runDemo(orders);
        results[size].push(r);
        console.log(`  run ${i + 1} ${size} (${r.rows.toLocaleString("en")} rows): window ${r.window.toFixed(2)} s, of which switch hook ${r.hook.toFixed(2)} s — ${r.phases}`);
      }
      const rb = await runRollbackDemo(small);
      rollbacks.push(rb);
      console.log(`  run ${i + 1} rollback (${small} orders): cutover window ${rb.cutover.toFixed(2)} s, rollback window ${rb.rollback.toFixed(2)} s (switch-back hook ${rb.hook.toFixed(2)} s)`);
    }
    const summary = (size: "small" | "large"): { without: number; hook: number; rows: number } => ({
      without: median(results[size].map((r) => r.window - r.hook)),
      hook: median(results[size].map((r) => r.hook)),
      rows: median(results[size].map((r) => r.rows)),
    });
    const s = summary("small");
    const l = summary("large");
    console.log(`  small, ${s.rows.toLocaleString("en")} rows: window without the hook ${s.without.toFixed(3)} s (hook ${s.hook.toFixed(3)} s), median of ${runs}`);
    console.log(`  large, ${l.rows.toLocaleString("en")} rows: window without the hook ${l.without.toFixed(3)} s (hook ${l.hook.toFixed(3)} s), median of ${runs}`);
    console.log(`  ratio large/small (window without the hook): ${(l.without / s.without).toFixed(2)}x for ${(l.rows / s.rows).toFixed(1)}x the rows`);
    const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} s`;
    const rbC = rollbacks.map((r) => r.cutover);
    const rbR = rollbacks.map((r) => r.rollback);
    console.log(
      `  demo --rollback (${small} orders, the app writing): cutover window ${median(rbC).toFixed(2)} s (${spread(rbC)}), rollback window ${median(rbR).toFixed(2)} s (${spread(rbR)}; switch-back hook ${median(rollbacks.map((r) => r.hook)).toFixed(2)} s), median of ${runs}`,
    );
  },
};

export default bench;
