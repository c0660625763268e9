import { describe, expect, it } from "vitest";
import { evaluateSync, syncLine } from "../../src/plan/sync-verdict.js";
import { compactCount, formatDuration, textBar } from "../../src/ui/progress-format.js";
import {
  FullLoadMeter,
  type RowEstimates,
  type TableRows,
  type TableSizes,
  estimateBytesLoaded,
  estimateTotalRows,
  fullLoadProgressLines,
  tableKey,
} from "../../src/ui/progress-full-load.js";
import { etaSeconds, observeRate } from "../../src/ui/progress-rate.js";

const T0 = Date.parse("2025-01-01T00:00:00Z");

describe("progress pieces", () => {
  it("GIVEN a fraction WHEN the bar is drawn THEN its full cells match it, clamped to 0–100 %", () => {
    expect(textBar(0.62, 10)).toBe("[██████░░░░]");
    expect(textBar(0, 10)).toBe("[░░░░░░░░░░]");
    expect(textBar(1.7, 10)).toBe("[██████████]");
    expect(textBar(Number.NaN, 4)).toBe("[░░░░]");
  });

  it("GIVEN counts and durations WHEN shown THEN they are short: 950, 38k, 1.2M; 21 s, 4 min 10 s, 2 h 05 min", () => {
    expect([950, 38_000, 1_234_567, 2_000_000, 999_999].map(compactCount)).toEqual(["950", "38k", "1.2M", "2M", "1M"]);
    expect([20.2, 250, 7500, 200_000].map(formatDuration)).toEqual(["21 s", "4 min 10 s", "2 h 05 min", "2 d 7 h"]);
  });

  it("GIVEN one reading WHEN the ETA is asked THEN there is none; GIVEN a second THEN it is the rest at the rate seen", () => {
    const first = observeRate(undefined, T0, 1000);
    expect(etaSeconds(first, 10_000)).toBeUndefined();
    const second = observeRate(first, T0 + 10_000, 2000);
    expect(second.perSecond).toBe(100);
    expect(etaSeconds(second, 10_000)).toBe(80);
  });

  it("GIVEN a slow start then a steady pace WHEN the rate is smoothed THEN it follows the pace, not the start, and a counter going back restarts it", () => {
    let s = observeRate(undefined, T0, 0);
    s = observeRate(s, T0 + 15_000, 0);
    for (let i = 2; i <= 12; i++) s = observeRate(s, T0 + i * 15_000, (i - 1) * 15_000);
    expect(s.perSecond).toBeGreaterThan(900);
    expect(s.perSecond).toBeLessThan(1000);
    expect(observeRate(s, T0 + 13 * 15_000, 5).perSecond).toBeUndefined();
  });
});

describe("the full load's line", () => {
  const stats = (percent: number, loaded: number, loading: number, queued: number, errored = 0) => ({
    Status: "running",
    ReplicationTaskStats: { FullLoadProgressPercent: percent, TablesLoaded: loaded, TablesLoading: loading, TablesQueued: queued, TablesErrored: errored },
  });
  const row = (table: string, rows: number, completed = false): TableRows => ({ schema: "app", table, rows, completed });
  const estimates: RowEstimates = new Map([
    [tableKey("app", "orders"), 1_000_000],
    [tableKey("app", "lines"), 900_000],
    [tableKey("app", "Odd \"name\""), 100_000],
  ]);

  it("GIVEN the source's estimates WHEN rows are counted THEN done tables count their rows, others the larger of estimate and rows so far", () => {
    expect(estimateTotalRows([row("orders", 1_100_000, true), row("lines", 950_000)], estimates, 50)).toBe(1_100_000 + 950_000 + 100_000);
  });

  it("GIVEN a table never analysed (no estimate) WHEN rows are counted THEN the total is extrapolated from DMS's percent", () => {
    const partial: RowEstimates = new Map([...estimates, [tableKey("app", "new"), undefined]]);
    expect(estimateTotalRows([row("orders", 500_000)], partial, 25)).toBe(2_000_000);
    expect(estimateTotalRows([row("orders", 0)], partial, 0)).toBeUndefined();
  });

  it("GIVEN two readings of a load WHEN shown THEN a bar, tables, rows against the total, the throughput and an ETA; the first reading says ETA —", () => {
    const meter = new FullLoadMeter(estimates);
    const first = meter.line(new Date(T0), stats(10, 0, 2, 1), [row("orders", 120_000), row("lines", 80_000)]);
    expect(first).toBe("[█░░░░░░░░░] 10%  tables 0/3 (2 loading, 1 queued) · rows 200k/2M · ETA —");
    const second = meter.line(new Date(T0 + 20_000), stats(62, 1, 1, 0, 1), [row("orders", 1_000_000, true), row("lines", 560_000), row("Odd \"name\"", 0)]);
    // 1,360,000 rows in 20 s: 68k rows/s; 2,000,000 - 1,560,000 left: 440,000 / 68,000 = 6.5 s.
    expect(second).toBe("[██████░░░░] 62%  tables 1/3 (1 loading, 1 errored) · rows 1.6M/2M · 68k rows/s · ETA 7 s");
  });
});

describe("the full load's bytes per second (an estimate from the preflight's table sizes)", () => {
  const row = (table: string, rows: number, completed = false): TableRows => ({ schema: "app", table, rows, completed });
  const MiB = 1024 * 1024;
  // orders: 800 MiB for 1M rows, lines: 200 MiB for 1M rows; on average 1000 MiB / 2M rows.
  const sizes: TableSizes = new Map([
    [tableKey("app", "orders"), { sizeBytes: 800 * MiB, rowEstimate: 1_000_000 }],
    [tableKey("app", "lines"), { sizeBytes: 200 * MiB, rowEstimate: 1_000_000 }],
  ]);

  it("GIVEN measured tables WHEN bytes are estimated THEN each counts its size times its loaded fraction, capped at its size, all of it once complete", () => {
    expect(estimateBytesLoaded([row("orders", 250_000), row("lines", 500_000)], sizes)).toBe(200 * MiB + 100 * MiB);
    expect(estimateBytesLoaded([row("orders", 1_200_000), row("lines", 10, true)], sizes)).toBe(1000 * MiB);
  });

  it("GIVEN a table the preflight did not measure WHEN bytes are estimated THEN its rows count at the measured average per row; without sizes there is no figure", () => {
    expect(estimateBytesLoaded([row("small", 1000)], sizes)).toBe(1000 * ((1000 * MiB) / 2_000_000));
    expect(estimateBytesLoaded([row("orders", 1)], undefined)).toBeUndefined();
    expect(estimateBytesLoaded([row("orders", 1)], new Map())).toBeUndefined();
  });

  it("GIVEN sizes and two readings WHEN the line is shown THEN it carries the bytes per second marked as an estimate, and the meter keeps the reading to record", () => {
    const meter = new FullLoadMeter(new Map([...sizes].map(([k, v]) => [k, v.rowEstimate])), sizes);
    const task = (percent: number) => ({ Status: "running", ReplicationTaskStats: { FullLoadProgressPercent: percent, TablesLoaded: 0, TablesLoading: 2, TablesQueued: 0 } });
    meter.line(new Date(T0), task(0), [row("orders", 0), row("lines", 0)]);
    // 10 s: 100k orders rows (80 MiB) + 100k lines rows (20 MiB) = 100 MiB: 10 MiB/s; 200k rows: 20k rows/s; 1.8M left: 90 s.
    const line = meter.line(new Date(T0 + 10_000), task(10), [row("orders", 100_000), row("lines", 100_000)]);
    expect(line).toBe("[█░░░░░░░░░] 10%  tables 0/2 (2 loading) · rows 200k/2M · 20k rows/s · ~10 MiB/s (est.) · ETA 1 min 30 s");
    expect(meter.progress).toEqual({
      at: new Date(T0 + 10_000).toISOString(),
      percent: 10,
      tablesLoaded: 0,
      tablesTotal: 2,
      rowsLoaded: 200_000,
      rowsTotal: 2_000_000,
      rowsPerSecond: 20_000,
      bytesPerSecond: 10 * MiB,
      etaSeconds: 90,
    });
  });

  it("GIVEN a recorded progress WHEN status shows it THEN the bar, rows of the estimate, the rates and the ETA with the time it should end", () => {
    const lines = fullLoadProgressLines({ at: "2026-05-01T12:00:00.000Z", percent: 62, tablesLoaded: 5, tablesTotal: 8, rowsLoaded: 1_234_567, rowsTotal: 2_000_000, rowsPerSecond: 38_000, bytesPerSecond: 12 * MiB, etaSeconds: 250 });
    expect(lines).toEqual([
      "[██████░░░░] 62%  tables 5/8 · rows 1.2M of ~2M · 38k rows/s · ~12 MiB/s (est.)",
      "ETA 4 min 10 s from 2026-05-01T12:00:00.000Z (about 2026-05-01T12:04:10.000Z)",
    ]);
    expect(fullLoadProgressLines({ at: "2026-05-01T12:00:00.000Z", percent: 0, tablesLoaded: 0, tablesTotal: 3, rowsLoaded: 0 })).toEqual([
      "[░░░░░░░░░░] 0%  tables 0/3 · rows 0",
      "ETA — (not enough readings), as of 2026-05-01T12:00:00.000Z",
    ]);
  });
});

describe("the sync wait's line", () => {
  const at = (m: number): Date => new Date(T0 + m * 60_000);
  const series = (...values: number[]) => ({ timestamps: values.map((_, i) => at(i)), values });

  it("GIVEN one period WHEN shown THEN the trend says 'first reading', not '(unknown)'", () => {
    const line = syncLine(evaluateSync(series(12), series(9), 5, 3), 5, 3);
    expect(line).toBe("CDC latency: source 12 s, target 9 s, first reading; 0/3 periods under 5 s");
  });

  it("GIVEN latency going down, up or flat WHEN shown THEN the trend is in words", () => {
    expect(syncLine(evaluateSync(series(30, 12), series(20, 9), 5, 3), 5, 3)).toContain("target 9 s, falling;");
    expect(syncLine(evaluateSync(series(3, 12), series(2, 9), 5, 3), 5, 3)).toContain("target 9 s, rising;");
    expect(syncLine(evaluateSync(series(4, 4), series(2, 3), 5, 3), 5, 3)).toContain("target 3 s, steady; 2/3 periods under 5 s");
  });
});
