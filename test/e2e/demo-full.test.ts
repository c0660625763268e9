import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { envelopeIn } from "../support/json-envelope.js";
import { type DemoServers, accountCounts, firstInsertsOnTarget, sourceLeftovers, startDemoServers } from "../support/demo-e2e.js";

let d: DemoServers;
let dir: string;

beforeAll(async () => {
  d = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "demo-full-"));
});
afterAll(async () => {
  await d?.servers.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("GIVEN two servers and the stand-in for AWS, with the demo's app writing throughout", () => {
  it("WHEN `demo --yes` runs the whole wizard through the built binary THEN the target is an exact copy, takes new rows in every sequence-fed table, and the source keeps no slot nor DMS artefact", async () => {
    const statePath = join(dir, "m.state.json");
    const run = await runCli(["demo", "--yes", "--json", "--source", d.sourceUrl, "--target", d.targetUrl, "--state", statePath, "--no-writes-after-switch"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // --json: the story on stderr, one envelope on stdout with the demo's summary.
    const doc = envelopeIn<{ statePath: string; validation: { clean: boolean }; cutoverWindowSeconds: number }>(run.stdout, { command: "demo", exitCode: 0 });
    expect(doc.result).toMatchObject({ statePath, validation: { clean: true } });
    expect(doc.result.cutoverWindowSeconds).toBeGreaterThan(0);
    expect(run.stderr).toContain("Step 13/13: Cleanup");
    expect(run.stderr).toMatch(/Writes were unavailable for \d+\.\d+ s/);
    // The app wrote on the source before the cutover (so CDC had changes to carry).
    expect(run.stderr).toMatch(/The app's writes: [1-9]\d* transactions on the source/);
    // The app rotated cart tokens (primary keys) during CDC; the stand-in, as DMS, ignored those
    // UPDATEs, and the cutover re-copied the rows (the checksum below proves the result).
    expect(run.stderr).toMatch(/Primary-key changes repaired: [1-9]\d* key\(s\) re-synced/);
    expect(run.stderr).toContain('Partitioned tables excluded from the task, so that each row is loaded once, through its leaf partition: "app"."shipments"');

    const validate = await runCli(["validate", "--checksum", "--source", d.sourceUrl, "--target", d.targetDbUrl]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    expect(validate.stdout).toContain("Source and target match");

    // Each partition holds its own rows, once; the CYCLE sequence is where the source's is.
    expect(await d.targetSql("SELECT tableoid::regclass::text AS p, count(*) - count(DISTINCT id) AS dup FROM app.shipments GROUP BY 1 ORDER BY 1")).toEqual([
      { p: "app.shipments_eu", dup: "0" },
      { p: "app.shipments_other", dup: "0" },
      { p: "app.shipments_us", dup: "0" },
    ]);
    expect(await d.targetSql("SELECT count(*)::int AS n FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace s ON s.oid = i.relnamespace WHERE s.nspname = 'app' AND NOT x.indisvalid")).toEqual([{ n: 0 }]);
    expect(await d.targetSql("SELECT ispopulated FROM pg_matviews WHERE schemaname = 'app'")).toEqual([{ ispopulated: true }]);
    await expect(firstInsertsOnTarget(d)).resolves.toBeUndefined();
    expect(await sourceLeftovers(d)).toEqual([]);
    expect(await d.targetSql("SELECT subname FROM pg_subscription")).toEqual([]);
    expect(accountCounts(statePath)).toMatchObject({ instances: 0, endpoints: 0, tasks: 0, rules: 0 });
  }, 240_000);
});
