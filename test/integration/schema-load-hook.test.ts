import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperationError } from "../../src/core/errors.js";
import { restoreAndSequencesStep } from "../../src/steps/restore-and-sequences.js";
import { readOutput } from "../../src/migration/outputs/read.js";
import { schemaLoadStep } from "../../src/steps/schema-load.js";
import { APP_SCHEMA_DATA, APP_SCHEMA_DDL, APP_TABLES, truncateAndLoadLikeDms } from "../support/app-schema.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { type TestStepContext, stepContext } from "../support/pg-step-context.js";

const countFks = async (db: TestDatabase): Promise<number> =>
  Number((await db.sql<{ n: string }>("SELECT count(*) AS n FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname IN ('public', 'Audit')"))[0]!.n);
const indexNames = async (db: TestDatabase): Promise<string[]> =>
  (await db.sql<{ i: string }>("SELECT schemaname || '.' || indexname AS i FROM pg_indexes WHERE schemaname IN ('public', 'Audit') ORDER BY 1")).map((r) => r.i);

describe("schema load through the user's hook, then restore (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  let ctx: TestStepContext;

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "hooksrc"), freshDatabase("target", "hooktgt")]);
    await source.sql(APP_SCHEMA_DDL);
    await source.sql(APP_SCHEMA_DATA);
    dir = mkdtempSync(join(tmpdir(), "aurora-migrate-hook-"));
    writeFileSync(join(dir, "schema.sql"), APP_SCHEMA_DDL);
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("GIVEN a failing schema command WHEN the step runs THEN it stops with the command's exit code and last lines", async () => {
    const failing = stepContext({ "source.url": source.url, "target.url": target.url, "source.schemas": ["public", "Audit"], "schema.method": "hook", "schema.hook": "echo loading; echo 'no such task' >&2; exit 7" });
    failing.state.answers["source.url"] = source.url;
    failing.state.answers["target.url"] = target.url;
    const err = await schemaLoadStep.run(failing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toContain("exited with code 7");
    expect((err as OperationError).details.join("\n")).toContain("no such task");
  });

  it("GIVEN a hook that loads a schema with foreign keys WHEN the step runs THEN the hook sees the target's connection and the keys and secondary indexes are recorded and dropped", async () => {
    const hook = `test "$PGPASSWORD" = "hook-secret" && echo "password seen: $PGPASSWORD" && psql -X -q -v ON_ERROR_STOP=1 -f ${join(dir, "schema.sql")} && echo "loaded into $PGDATABASE"`;
    ctx = stepContext({ "source.schemas": ["public", "Audit"], "schema.method": "hook", "schema.hook": hook });
    ctx.state.answers["source.url"] = source.url;
    ctx.state.answers["target.url"] = target.url;
    ctx.secrets.set("target.password", "hook-secret");
    await schemaLoadStep.run(ctx);

    expect(ctx.reporter.text).toContain("password seen: ***");
    expect(ctx.reporter.text).not.toContain("hook-secret");
    expect(ctx.reporter.text).toContain(`loaded into ${target.name}`);
    const recorded = readOutput(ctx, "schema-load")!;
    expect(recorded.method).toBe("hook");
    expect(recorded.setAside.filter((o) => o.kind === "foreign-key").map((o) => o.name).sort()).toEqual(
      ["Events_CustomerId_fkey", "categories_parent_id_fkey", "order_lines_order_id_fkey", "order_lines_product_id_fkey", "orders_customer_id_fkey", "products_category_id_fkey", "shipments_line_fkey"].sort(),
    );
    expect(recorded.setAside.find((o) => o.name === "orders_customer_idx")).toMatchObject({ kind: "index", comment: "lookups by customer" });
    expect(await countFks(target)).toBe(0);
    // Only primary keys remain.
    expect((await indexNames(target)).every((i) => i.endsWith("_pkey"))).toBe(true);
    expect(await target.sql("SELECT 1 FROM aurora_migrate.cutover_marker")).toEqual([]);
    expect(await source.sql("SELECT 1 FROM aurora_migrate.cutover_marker")).toEqual([]);
  });

  it("GIVEN the set-aside WHEN DMS truncates every table one statement at a time and loads THEN every TRUNCATE succeeds, where on a schema with its keys it fails", async () => {
    await expect(source.sql("TRUNCATE TABLE public.customers")).rejects.toThrow(/foreign key/);
    await truncateAndLoadLikeDms(source, target);
    for (const table of APP_TABLES) {
      const [a, b] = await Promise.all([source.sql(`SELECT count(*) FROM ${table}`), target.sql(`SELECT count(*) FROM ${table}`)]);
      expect(b, table).toEqual(a);
    }
  });

  it("GIVEN the full load done WHEN the restore step runs THEN every foreign key and index is back, parity is clean and sequences moved", async () => {
    ctx.state.answers["restore.jobs"] = 2;
    const outcome = await restoreAndSequencesStep.run(ctx);
    expect(await countFks(target)).toBe(await countFks(source));
    expect(await indexNames(target)).toEqual(await indexNames(source));
    expect(outcome?.findings ?? []).toEqual([]);
    expect(ctx.reporter.text).toMatch(/Schema parity: \d+ object\(s\) match/);
    const [row] = await target.sql<{ id: string }>(`INSERT INTO "Audit"."Events" ("CustomerId", "What") VALUES (1, 'after') RETURNING "Id"::text AS id`);
    expect(row?.id).toBe("31");
    await expect(target.sql("INSERT INTO public.orders (customer_id) VALUES (999999)")).rejects.toThrow(/foreign key/);
  });

  it("GIVEN a restore interrupted after part of the work WHEN it runs again THEN it rebuilds only what is missing", async () => {
    await target.sql('DROP INDEX "Audit"."Events_What_idx"; ALTER TABLE public.shipments DROP CONSTRAINT shipments_line_fkey');
    await target.sql("ALTER TABLE public.orders DROP CONSTRAINT orders_customer_id_fkey; ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers (id) ON DELETE CASCADE NOT VALID");
    const again = stepContext({}, ctx.state);
    await restoreAndSequencesStep.run(again);
    expect(again.reporter.text).toMatch(/Restored 3 object\(s\) \(\d+ already there\)/);
    expect(await indexNames(target)).toEqual(await indexNames(source));
    const [fk] = await target.sql<{ v: boolean }>("SELECT convalidated AS v FROM pg_constraint WHERE conname = 'orders_customer_id_fkey'");
    expect(fk?.v).toBe(true);
  });
});
