/** The checks for what DMS would lose, on hand-made facts (shapes no test database is set up with). */
import { describe, expect, it } from "vitest";
import type { TableFact } from "../../src/plan/preflight/facts.js";
import { runPreflight } from "../../src/plan/preflight/index.js";
import { healthyFacts, tableFact } from "../support/facts.js";

const of = (tables: TableFact[], check: string, extra = {}) => runPreflight(healthyFacts({ tables, ...extra })).findings.filter((f) => f.check === check);

describe("unlogged tables", () => {
  it("GIVEN an unlogged table called order THEN a blocker with ALTER TABLE public.\"order\" SET LOGGED; GIVEN only logged tables THEN quiet", () => {
    const [finding] = of([tableFact({ name: "order", unlogged: true, sizeBytes: 3 * 1024 ** 2, rowEstimate: 1200 })], "tables.unlogged");
    expect(finding?.severity).toBe("blocker");
    expect(finding?.found).toBe('public."order" (3.0 MiB, about 1200 row(s))');
    expect(finding?.fix).toContain('ALTER TABLE public."order" SET LOGGED;');
    expect(of([tableFact({ name: "t" })], "tables.unlogged")).toEqual([]);
  });
});

describe("partition trees", () => {
  const leaf = (name: string, parent: string, level: number, schema = "app"): TableFact =>
    tableFact({ schema, name, isPartition: true, partitionOf: { parentSchema: "app", parentName: parent, rootSchema: "app", rootName: "events", level } });
  const tree = [
    tableFact({ schema: "app", name: "events", kind: "p", partitionKey: "RANGE (at)" }),
    { ...leaf("events_2024", "events", 1), kind: "p" as const, partitionKey: "LIST (region)" },
    leaf("events_2024_eu", "events_2024", 2),
    leaf("events_2024_us", "events_2024", 2, "archive"),
    leaf("events_2025", "events", 1),
  ];

  it("GIVEN a two-level tree with a leaf in another schema THEN one note for the root only: 3 leaves in 2 levels", () => {
    const notes = of(tree, "tables.partitioned");
    expect(notes.map((n) => [n.severity, n.found])).toEqual([["info", "app.events RANGE (at): 3 leaf partition(s) in 2 levels"]]);
  });

  it("GIVEN partitions without a key THEN the key fix is aimed at the partitioned root, with REPLICA IDENTITY FULL per partition as the other way", () => {
    const noKey = tree.map((t) => ({ ...t, hasPrimaryKey: false }));
    const [finding] = of(noKey, "tables.no_primary_key");
    expect(finding?.found.split("\n")).toEqual([
      "app.events_2024_eu (partition of app.events_2024)",
      "archive.events_2024_us (partition of app.events_2024)",
      "app.events_2025 (partition of app.events)",
    ]);
    expect((finding?.fix ?? "").split("\n").slice(1)).toEqual([
      "ALTER TABLE app.events ADD PRIMARY KEY (<column>, <partition key column(s)>);   -- on the partitioned table (partition key: RANGE (at)): every partition gets it",
      "-- or, partition by partition: ALTER TABLE app.events_2024_eu REPLICA IDENTITY FULL;",
      "-- or, partition by partition: ALTER TABLE archive.events_2024_us REPLICA IDENTITY FULL;",
      "-- or, partition by partition: ALTER TABLE app.events_2025 REPLICA IDENTITY FULL;",
    ]);
  });
});

describe("row identity in the WAL", () => {
  it.each([
    ["a primary key, REPLICA IDENTITY DEFAULT", { replicaIdentity: "d" }, [], []],
    ["a DEFERRABLE primary key", { primaryKeyDeferrable: true }, [], ["ALTER TABLE public.t REPLICA IDENTITY FULL;   -- or re-create the primary key without DEFERRABLE"]],
    ["a DEFERRABLE primary key and REPLICA IDENTITY FULL", { primaryKeyDeferrable: true, replicaIdentity: "f" }, [], []],
    ["a primary key and REPLICA IDENTITY NOTHING", { replicaIdentity: "n" }, [], ["ALTER TABLE public.t REPLICA IDENTITY DEFAULT;"]],
    ["no key and REPLICA IDENTITY FULL", { hasPrimaryKey: false, replicaIdentity: "f" }, [], []],
    ["no key and REPLICA IDENTITY NOTHING", { hasPrimaryKey: false, replicaIdentity: "n" }, ["warning"], []],
    ["no key, REPLICA IDENTITY USING INDEX", { hasPrimaryKey: false, replicaIdentity: "i" }, ["warning"], []],
  ] as const)("GIVEN %s THEN no-key findings %j and replica-identity fixes %j", (_, table, noKey, fixes) => {
    const tables = [tableFact({ name: "t", ...table })];
    expect(of(tables, "tables.no_primary_key").map((f) => f.severity)).toEqual(noKey);
    expect(of(tables, "tables.replica_identity").flatMap((f) => (f.fix ?? "").split("\n"))).toEqual(fixes);
  });
});

describe("deferrable constraints", () => {
  it("GIVEN a deferrable primary key, exclusion constraint and constraint trigger THEN each fix re-creates it without DEFERRABLE", () => {
    const [finding] = of(
      [
        tableFact({
          schema: "Booking",
          name: "rooms",
          deferrableConstraints: [
            { name: "rooms_pkey", type: "p", initiallyDeferred: false, definition: "PRIMARY KEY (id) DEFERRABLE" },
            { name: "no overlap", type: "x", initiallyDeferred: true, definition: "EXCLUDE USING gist (room WITH =, during WITH &&) DEFERRABLE INITIALLY DEFERRED" },
            { name: "audit", type: "t", initiallyDeferred: true, definition: "TRIGGER" },
          ],
        }),
      ],
      "tables.deferrable_constraints",
    );
    expect(finding?.severity).toBe("warning");
    expect((finding?.fix ?? "").split("\n").filter((l) => l.startsWith("ALTER") || l.startsWith("--"))).toEqual([
      'ALTER TABLE "Booking".rooms DROP CONSTRAINT rooms_pkey, ADD CONSTRAINT rooms_pkey PRIMARY KEY (id);',
      'ALTER TABLE "Booking".rooms DROP CONSTRAINT "no overlap", ADD CONSTRAINT "no overlap" EXCLUDE USING gist (room WITH =, during WITH &&);',
      '-- "Booking".rooms: re-create constraint trigger audit without DEFERRABLE',
    ]);
  });
});

describe("large objects and TRUNCATE", () => {
  it("GIVEN large objects but no oid column in the chosen schemas THEN still a warning (their bytes stay behind); GIVEN neither THEN quiet", () => {
    expect(of([tableFact({ name: "t" })], "tables.large_objects", { largeObjectCount: 3 })[0]?.found).toBe("3 large object(s) in app (pg_largeobject)");
    expect(of([tableFact({ name: "t" })], "tables.large_objects")).toEqual([]);
  });

  it("GIVEN tables THEN a note that TRUNCATE is not replicated, never counted as a passed check; GIVEN no tables THEN no such note", () => {
    const result = runPreflight(healthyFacts({ tables: [tableFact({ name: "t" })] }));
    expect(result.findings.filter((f) => f.check === "tables.truncate").map((f) => f.severity)).toEqual(["info"]);
    expect(result.passed).not.toContain("TRUNCATE is not replicated");
    expect(of([], "tables.truncate")).toEqual([]);
  });
});
