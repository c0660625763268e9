/**
 * The cutover window measured in the demo, with its app writing (about 10 transactions a second
 * through the app's role): `aurora-migrate demo --yes` run end to end through the built binary,
 * BENCH_DEMO_RUNS times (default 3). The window is the cutover's own figure (writes frozen →
 * switch hook done). Reported as seconds and as a ratio against the whole demo's wall time
 * measured in the same run (the share of the migration during which writes were unavailable).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchModule } from "./run.js";

const BIN = fileURLToPath(new URL("../bin/aurora-migrate.js", import.meta.url));

function runDemo(): Promise<{ window: number; gap: number | undefined; wall: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, "demo", "--yes"], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    child.on("close", (code) => {
      const wall = (performance.now() - started) / 1000;
      const window = /Writes were unavailable for ([\d.]+) s/.exec(out)?.[1];
      const gap = /last write on the source to first on the target: ([\d.]+) s/.exec(out)?.[1];
      if (code !== 0 || window === undefined) reject(new Error(`demo exited ${String(code)}:\n${out.slice(-2000)}`));
      else resolve({ window: Number(window), gap: gap === undefined ? undefined : Number(gap), wall });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const bench: BenchModule = {
  title: "cutover window in `demo --yes` with the app writing, vs the whole demo's wall time",
  async run() {
    const runs = Number(process.env["BENCH_DEMO_RUNS"] ?? 3);
    const results = [];
    for (let i = 0; i < runs; i++) {
      const r = await runDemo();
      results.push(r);
      console.log(`  run ${i + 1}: window ${r.window.toFixed(2)} s, app's own gap ${r.gap?.toFixed(2) ?? "?"} s, demo ${r.wall.toFixed(1)} s`);
    }
    const w = median(results.map((r) => r.window));
    const wall = median(results.map((r) => r.wall));
    console.log(`  median cutover window: ${w.toFixed(2)} s = ${(w / wall).toFixed(3)}x the demo's wall time (${wall.toFixed(1)} s), over ${runs} runs`);
  },
};

export default bench;
