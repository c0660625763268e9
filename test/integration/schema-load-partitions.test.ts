import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperationError } from "../../src/core/errors.js";
import { restoreSetAside } from "../../src/migration/schema/restore.js";
import { restoreAndSequencesStep } from "../../src/steps/restore-and-sequences.js";
import { readOutput } from "../../src/migration/outputs/read.js";
import { schemaLoadStep } from "../../src/steps/schema-load.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { CONSTRAINTS_SQL, INDEX_TREE_SQL, PARTITIONED_DATA, PARTITIONED_DDL, PARTITIONED_SCHEMAS, loadLeavesLikeDms } from "../support/partition-fixture.js";
import { type TestStepContext, stepContext } from "../support/pg-step-context.js";

type IndexRow = { table: string; index: string; valid: boolean; attached_to: string | null };

const UPSERT = `INSERT INTO "Odd Sch"."Evt""s" (tenant, "Id", at, code, "order") VALUES (1, 2, DATE '2024-06-03', 'c2', 'upserted')
  ON CONFLICT (tenant, "Id", at) DO UPDATE SET "order" = excluded."order" RETURNING "order"`;
const COUNT = `SELECT count(*)::int AS n FROM "Odd Sch"."Evt""s"`;

for (const method of ["built-in", "hook"] as const) {
  describe(`a two-level partitioned table through the ${method} schema load and the restore (PostgreSQL 15 → 17)`, () => {
    let source: TestDatabase;
    let target: TestDatabase;
    let dir: string;
    let ctx: TestStepContext;

    beforeAll(async () => {
      [source, target] = await Promise.all([freshDatabase("source", "partsrc"), freshDatabase("target", "parttgt")]);
      await source.sql(PARTITIONED_DDL);
      await source.sql(PARTITIONED_DATA);
      dir = mkdtempSync(join(tmpdir(), "aurora-migrate-parts-"));
      writeFileSync(join(dir, "schema.sql"), PARTITIONED_DDL);
      ctx = stepContext({ "source.schemas": PARTITIONED_SCHEMAS, "schema.method": method, "schema.hook": `psql -X -q -v ON_ERROR_STOP=1 -f ${join(dir, "schema.sql")}`, "restore.jobs": 3 });
      ctx.state.answers["source.url"] = source.url;
      ctx.state.answers["target.url"] = target.url;
    });
    afterAll(async () => {
      await source?.drop();
      await target?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`GIVEN a partitioned table with a primary key WHEN the ${method} schema load runs THEN the key is valid and attached on every partition at once, and the other indexes are recorded with each partition's own`, async () => {
      await schemaLoadStep.run(ctx);
      const keys = (rows: IndexRow[]): IndexRow[] => rows.filter((r) => /_pk|pk$/.test(r.index));
      const [onSource, onTarget] = await Promise.all([source.sql<IndexRow>(INDEX_TREE_SQL), target.sql<IndexRow>(INDEX_TREE_SQL)]);
      expect(keys(onTarget)).toEqual(keys(onSource));
      expect(keys(onTarget)).toHaveLength(7);
      expect(keys(onTarget).every((r) => r.valid)).toBe(true);

      const recorded = readOutput(ctx, "schema-load")!;
      const byName = new Map(recorded.setAside.map((o) => [o.name, o]));
      expect(byName.get('Evt "order" idx')?.partitions?.map((p) => [`${p.schema}.${p.name}`, `${p.parent.schema}.${p.parent.name}`])).toEqual([
        ["Odd Sch.Evt t1_lower_idx", 'Odd Sch.Evt "order" idx'],
        ["Odd Sch.T2 Order", 'Odd Sch.Evt "order" idx'],
        ["Odd Sch.Evt t1 2024_lower_idx", "Odd Sch.Evt t1_lower_idx"],
        ["Ünï.Evt t1 2025_lower_idx", "Odd Sch.Evt t1_lower_idx"],
      ]);
      expect(byName.get("Evt code uq")).toMatchObject({ kind: "constraint", table: 'Evt"s' });
      expect(byName.get("Evt code uq")?.partitions?.map((p) => p.name).sort()).toEqual(["Evt t1 2024_tenant_code_at_key", "Evt t1 2025_tenant_code_at_key", "Evt t1_tenant_code_at_key", "T2 code"]);
      // Set aside on the target, partitions' indexes included: only the keys are there.
      expect(onTarget.map((r) => r.index).sort()).toEqual(keys(onTarget).map((r) => r.index).sort());
    });

    it("GIVEN the leaves loaded as DMS loads them WHEN the restore runs THEN every index and constraint is valid and attached on every partition as on the source, and ON CONFLICT (pk) DO UPDATE works", async () => {
      await loadLeavesLikeDms(source, target);
      const outcome = await restoreAndSequencesStep.run(ctx);
      const [onSource, onTarget] = await Promise.all([source.sql<IndexRow>(INDEX_TREE_SQL), target.sql<IndexRow>(INDEX_TREE_SQL)]);
      expect(onTarget).toEqual(onSource);
      expect(onTarget.filter((r) => !r.valid)).toEqual([]);
      // Every partition's index is attached: 3 indexes on each of the 4 partitions.
      expect(onTarget.filter((r) => r.table !== "Odd Sch.kinds" && r.table !== "Odd Sch.refs" && r.table !== 'Odd Sch.Evt"s' && r.attached_to !== null)).toHaveLength(12);
      expect(await target.sql(CONSTRAINTS_SQL)).toEqual(await source.sql(CONSTRAINTS_SQL));
      const [comment] = await target.sql<{ c: string }>(`SELECT obj_description('"Odd Sch"."Evt ""order"" idx"'::regclass, 'pg_class') AS c`);
      expect(comment?.c).toBe("by order, any case");
      expect(outcome?.findings ?? []).toEqual([]);

      const before = await target.sql<{ n: number }>(COUNT);
      expect(await target.sql(UPSERT)).toEqual([{ order: "upserted" }]);
      expect(await target.sql(COUNT)).toEqual(before);
      await expect(target.sql(`INSERT INTO "Odd Sch"."Evt""s" (tenant, "Id", at, code) VALUES (2, 100000, DATE '2024-06-02', 'c1')`)).rejects.toThrow(/T2 code/);
    });

    if (method === "built-in") {
      it("GIVEN an index left invalid on the target WHEN the restore runs THEN it fails naming the index", async () => {
        await target.sql(`CREATE INDEX "stray ""one""" ON ONLY "Odd Sch"."Evt""s" ("Id")`);
        try {
          const err = await restoreAndSequencesStep.run(stepContext({}, ctx.state)).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(OperationError);
          expect((err as OperationError).message).toContain(`"Odd Sch"."stray ""one"""`);
          expect((err as OperationError).hint).toContain("ATTACH PARTITION");
        } finally {
          await target.sql(`DROP INDEX "Odd Sch"."stray ""one"""`);
        }
      });
    }
  });
}

describe("a restore of partitioned indexes interrupted half-way (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "partisrc"), freshDatabase("target", "partitgt")]);
    await source.sql(PARTITIONED_DDL);
    await source.sql(PARTITIONED_DATA);
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it("GIVEN a restore stopped after the partitions' indexes were built and one attached WHEN the step runs again THEN it attaches the rest and every index is valid", async () => {
    const ctx = stepContext({ "source.schemas": PARTITIONED_SCHEMAS, "schema.method": "built-in", "restore.jobs": 2 });
    ctx.state.answers["source.url"] = source.url;
    ctx.state.answers["target.url"] = target.url;
    await schemaLoadStep.run(ctx);
    await loadLeavesLikeDms(source, target);

    const stop = new AbortController();
    const interrupted = restoreSetAside({
      connect: async () => {
        const pg = (await import("pg")).default;
        const c = new pg.Client({ connectionString: target.url });
        await c.connect();
        return c;
      },
      objects: readOutput(ctx, "schema-load")!.setAside,
      jobs: 2,
      signal: stop.signal,
      onProgress: (_done, _total, _what, outcome) => {
        if (outcome === "attached") stop.abort();
      },
    });
    await expect(interrupted).rejects.toThrow();
    const half = await target.sql<IndexRow>(INDEX_TREE_SQL);
    expect(half.filter((r) => !r.valid).length).toBeGreaterThan(0);
    expect(half.filter((r) => r.attached_to !== null && !/pk/.test(r.index))).toHaveLength(1);

    const again = stepContext({}, ctx.state);
    await restoreAndSequencesStep.run(again);
    expect(again.reporter.text).toMatch(/attached 7 partition index\(es\) \(\d+ already there\)/);
    const [onSource, onTarget] = await Promise.all([source.sql<IndexRow>(INDEX_TREE_SQL), target.sql<IndexRow>(INDEX_TREE_SQL)]);
    expect(onTarget).toEqual(onSource);
    expect(await target.sql(UPSERT)).toEqual([{ order: "upserted" }]);
  });
});
