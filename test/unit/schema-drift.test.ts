import { describe, expect, it } from "vitest";
import { cutoverVerdict } from "../../src/migration/cutover/preconditions.js";
import { type DriftObject, compareDrift, describeDrift, isMachinery, matchesOn } from "../../src/plan/schema-drift.js";

const orders: DriftObject[] = [
  { kind: "table", key: "public.orders", definition: "r" },
  { kind: "column", key: "public.orders.id", definition: "bigint NOT NULL", ident: { table: "public.orders", name: "id" } },
  { kind: "constraint", key: "public.orders.orders_pkey", definition: "PRIMARY KEY (id)", subtype: "p", ident: { table: "public.orders", name: "orders_pkey" } },
  { kind: "index", key: "public.orders.orders_pkey", definition: "CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)", subtype: "primary" },
  { kind: "type", key: "public.mood", definition: "enum ('sad', 'ok')" },
];

describe("DDL drift: the pure comparison", () => {
  it("GIVEN the same catalog THEN no difference, every object compared", () => {
    expect(compareDrift(orders, [...orders].reverse())).toEqual({ differences: [], compared: 5 });
  });

  it("GIVEN a column added on the source THEN it is named with its type and the ADD COLUMN to run on the target", () => {
    const note: DriftObject = { kind: "column", key: "public.orders.note", definition: "text DEFAULT 'none'::text", ident: { table: "public.orders", name: "note" } };
    const report = compareDrift(orders, [...orders, note]);
    expect(report.differences).toEqual([
      { kind: "column", key: "public.orders.note", change: "added", after: "text DEFAULT 'none'::text", ddl: "ALTER TABLE public.orders ADD COLUMN note text DEFAULT 'none'::text;" },
    ]);
    expect(describeDrift(report.differences[0]!)).toBe(
      "column public.orders.note (text) added on the source after the schema load; run on the target: ALTER TABLE public.orders ADD COLUMN note text DEFAULT 'none'::text;",
    );
  });

  it("GIVEN quoted names and a NOT NULL varchar column THEN the DDL keeps the quoting and the type says only the type", () => {
    const c: DriftObject = { kind: "column", key: "Sales.Order Lines.Unit", definition: "character varying(20) NOT NULL", ident: { table: '"Sales"."Order Lines"', name: '"Unit"' } };
    const [d] = compareDrift([], [c]).differences;
    expect(d?.ddl).toBe('ALTER TABLE "Sales"."Order Lines" ADD COLUMN "Unit" character varying(20) NOT NULL;');
    expect(describeDrift(d!)).toMatch(/^column Sales\.Order Lines\.Unit \(character varying\(20\)\) added/);
  });

  it("GIVEN an index and a check constraint added THEN their DDL comes from the catalog", () => {
    const idx: DriftObject = { kind: "index", key: "public.orders.orders_note_idx", definition: "CREATE INDEX orders_note_idx ON public.orders USING btree (note)" };
    const chk: DriftObject = { kind: "constraint", key: "public.orders.positive", definition: "CHECK ((id > 0))", subtype: "c", ident: { table: "public.orders", name: "positive" } };
    const ddl = compareDrift(orders, [...orders, idx, chk]).differences.map((d) => d.ddl);
    expect(ddl).toEqual(["ALTER TABLE public.orders ADD CONSTRAINT positive CHECK ((id > 0));", "CREATE INDEX orders_note_idx ON public.orders USING btree (note);"]);
  });

  it("GIVEN a column type changed, an enum value added and a table dropped THEN each says what changed and points to pg_dump", () => {
    const now = orders
      .filter((o) => o.key !== "public.orders" || o.kind !== "table")
      .map((o) => (o.key === "public.orders.id" && o.kind === "column" ? { ...o, definition: "numeric NOT NULL" } : o.kind === "type" ? { ...o, definition: "enum ('sad', 'ok', 'happy')" } : o));
    const lines = compareDrift(orders, now).differences.map(describeDrift);
    expect(lines).toEqual([
      "column public.orders.id (numeric) changed on the source after the schema load: was bigint NOT NULL, now numeric NOT NULL; make the target match (see pg_dump --schema-only --table=public.orders on the source)",
      "table public.orders dropped on the source after the schema load (was: r); drop it on the target too if the app no longer needs it (see pg_dump --schema-only --table=public.orders on the source)",
      "type public.mood changed on the source after the schema load: was enum ('sad', 'ok'), now enum ('sad', 'ok', 'happy'); make the target match (see pg_dump --schema-only --schema=public on the source)",
    ]);
  });

  it("GIVEN DMS's DDL-capture artefacts and the tool's triggers appear on the source THEN they are not drift", () => {
    const machinery: DriftObject[] = [
      { kind: "table", key: "public.awsdms_ddl_audit", definition: "r" },
      { kind: "column", key: "public.awsdms_ddl_audit.c_key", definition: "bigint NOT NULL" },
      { kind: "sequence", key: "public.awsdms_ddl_audit_c_key_seq", definition: "bigint increment 1" },
      { kind: "function", key: "public.awsdms_intercept_ddl()", definition: "f plpgsql" },
      { kind: "trigger", key: "public.orders.aurora_migrate_key_changes", definition: "CREATE TRIGGER …" },
    ];
    expect(compareDrift(orders, [...orders, ...machinery]).differences).toEqual([]);
    expect(isMachinery({ kind: "table", key: "awsdms_app.orders" })).toBe(false);
  });
});

describe("DDL drift in the cutover's preconditions", () => {
  const ready = { taskStatus: "running", cdcLatencySeconds: 2, latencyThresholdSeconds: 10, rowCounts: "skipped" as const, markerTableOnTarget: true };

  it("GIVEN drift lines THEN the cutover cannot start, and each line is listed; none (or no record) THEN it may", () => {
    const v = cutoverVerdict({ ...ready, schemaDrift: ["column public.orders.note (text) added on the source after the schema load; run on the target: ALTER TABLE public.orders ADD COLUMN note text;"] });
    expect(v.ready).toBe(false);
    expect(v.problems[0]).toMatch(/^The source's schema changed after the schema load and DMS does not carry DDL, so the target still lacks 1 change\(s\)/);
    expect(v.problems[1]).toBe("  column public.orders.note (text) added on the source after the schema load; run on the target: ALTER TABLE public.orders ADD COLUMN note text;");
    expect(cutoverVerdict({ ...ready, schemaDrift: [] }).ready).toBe(true);
    expect(cutoverVerdict(ready).ready).toBe(true);
  });

  it("GIVEN the target already matches the source's side of a change THEN it no longer counts", () => {
    const note: DriftObject = { kind: "column", key: "public.orders.note", definition: "text" };
    const [added] = compareDrift([], [note]).differences;
    expect(matchesOn(added!, [])).toBe(false);
    expect(matchesOn(added!, [{ ...note, definition: "varchar" }])).toBe(false);
    expect(matchesOn(added!, [note])).toBe(true);
    const [dropped] = compareDrift([note], []).differences;
    expect(matchesOn(dropped!, [note])).toBe(false);
    expect(matchesOn(dropped!, [])).toBe(true);
  });
});
