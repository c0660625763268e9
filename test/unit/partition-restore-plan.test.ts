import { describe, expect, it } from "vitest";
import { parseDump } from "../../src/migration/schema/dump.js";
import { postDataNow } from "../../src/migration/schema/load-builtin.js";
import { dependencyOrder } from "../../src/migration/schema/matviews.js";
import { planRestore, wholeTreeIndexDefinition } from "../../src/migration/schema/restore-units.js";
import { type SetAsideObject, setAsideNames } from "../../src/migration/schema/set-aside.js";
import { schemaLoadOutput } from "../../src/migration/outputs/schema-load.js";

const entry = (name: string, type: string, sql: string): string => `--\n-- Name: ${name}; Type: ${type}; Schema: s; Owner: -\n--\n\n${sql}\n\n\n`;

const POST_DATA =
  "SET x = 1;\n\n" +
  entry("p p_pkey", "CONSTRAINT", "ALTER TABLE ONLY s.p\n    ADD CONSTRAINT p_pkey PRIMARY KEY (id, at);") +
  entry("p1 p1_pkey", "CONSTRAINT", "ALTER TABLE ONLY s.p1\n    ADD CONSTRAINT p1_pkey PRIMARY KEY (id, at);") +
  entry("p_note_idx", "INDEX", "CREATE INDEX p_note_idx ON ONLY s.p USING btree (note);") +
  entry("p1 note", "INDEX", 'CREATE INDEX "p1 note" ON s.p1 USING btree (note);') +
  entry("p1_pkey", "INDEX ATTACH", "ALTER INDEX s.p_pkey ATTACH PARTITION s.p1_pkey;") +
  entry("p1 note", "INDEX ATTACH", 'ALTER INDEX s.p_note_idx ATTACH PARTITION s."p1 note";');

const partitioned: SetAsideObject = {
  kind: "index",
  schema: "s",
  table: "p",
  name: "p_note_idx",
  definition: "CREATE INDEX p_note_idx ON ONLY s.p USING btree (note)",
  partitions: [
    { schema: "s", table: "p1", name: "p1_note", definition: "CREATE INDEX p1_note ON ONLY s.p1 USING btree (note)", parent: { schema: "s", name: "p_note_idx" } },
    { schema: "s", table: "p1a", name: "p1a_note", definition: "CREATE INDEX p1a_note ON s.p1a USING btree (note)", parent: { schema: "s", name: "p1_note" } },
    { schema: "t", table: "p2", name: "p2 note", definition: 'CREATE INDEX "p2 note" ON t.p2 USING btree (note)', parent: { schema: "s", name: "p_note_idx" } },
  ],
};

describe("partitioned indexes in the schema load and the restore plan (pure)", () => {
  it("GIVEN a post-data dump of a partitioned table with its secondary index set aside WHEN the part that goes in now is taken THEN the key's attachment goes in and the index's waits", () => {
    const now = postDataNow(parseDump(POST_DATA), { indexes: true }, new Set(["s.p_note_idx", "s.p1 note"]));
    expect(now.entries.map((e) => `${e.type}: ${e.name}`)).toEqual(["CONSTRAINT: p p_pkey", "CONSTRAINT: p1 p1_pkey", "INDEX ATTACH: p1_pkey"]);
  });

  it("GIVEN a set-aside partitioned index WHEN its names are listed THEN each partition's index is among them", () => {
    expect([...setAsideNames([partitioned])].sort()).toEqual(["s.p1_note", "s.p1a_note", "s.p_note_idx", "t.p2 note"]);
  });

  it("GIVEN a state file written before partitions were recorded WHEN read and planned THEN it parses and the index is created for the whole tree", () => {
    const old = schemaLoadOutput.parse({ method: "built-in", schemas: ["s"], phase: "loaded", setAside: [{ kind: "index", schema: "s", table: "p", name: 'x "ON ONLY" y', definition: 'CREATE UNIQUE INDEX "x ""ON ONLY"" y" ON ONLY s.p USING btree (note)' }] });
    expect(old.setAside[0]?.partitions).toBeUndefined();
    const plan = planRestore(old.setAside);
    expect(plan.builds.map((u) => u.statement)).toEqual(['CREATE UNIQUE INDEX "x ""ON ONLY"" y" ON s.p USING btree (note)']);
    expect(wholeTreeIndexDefinition("CREATE INDEX i ON s.t USING btree (a)")).toBe("CREATE INDEX i ON s.t USING btree (a)");
  });

  it("GIVEN a two-level partitioned index WHEN planned THEN parents are created alone first, leaves built, and attachments run deepest first", () => {
    const plan = planRestore([partitioned]);
    expect(plan.parents.map((u) => u.statement)).toEqual([partitioned.definition, "CREATE INDEX p1_note ON ONLY s.p1 USING btree (note)"]);
    expect(plan.builds.map((u) => u.statement)).toEqual(["CREATE INDEX p1a_note ON s.p1a USING btree (note)", 'CREATE INDEX "p2 note" ON t.p2 USING btree (note)']);
    expect(plan.attaches.map((u) => u.statement)).toEqual([
      'ALTER INDEX "s"."p1_note" ATTACH PARTITION "s"."p1a_note"',
      'ALTER INDEX "s"."p_note_idx" ATTACH PARTITION "s"."p1_note"',
      'ALTER INDEX "s"."p_note_idx" ATTACH PARTITION "t"."p2 note"',
    ]);
  });

  it("GIVEN a partitioned unique constraint WHEN planned THEN the parent and each partition's are added with ALTER TABLE ONLY", () => {
    const plan = planRestore([
      {
        kind: "constraint",
        schema: "s",
        table: "p",
        name: "p_u",
        definition: "UNIQUE (a, at)",
        partitions: [{ schema: "s", table: "p1", name: "p1 u", definition: "UNIQUE (a, at)", parent: { schema: "s", name: "p_u" } }],
      },
    ]);
    expect([...plan.parents, ...plan.builds].map((u) => u.statement)).toEqual([
      'ALTER TABLE ONLY "s"."p" ADD CONSTRAINT "p_u" UNIQUE (a, at)',
      'ALTER TABLE ONLY "s"."p1" ADD CONSTRAINT "p1 u" UNIQUE (a, at)',
    ]);
  });

  it("GIVEN matviews read through a view WHEN ordered THEN each comes after the matviews it reads, whatever their names", () => {
    const mvs = new Map([
      ["1", "a_top"],
      ["2", "b_mid"],
      ["3", "c_base"],
    ]);
    // a_top reads view 10, which reads b_mid; b_mid reads c_base; c_base reads table 20.
    const edges = [
      { dependent: "1", dependency: "10" },
      { dependent: "10", dependency: "2" },
      { dependent: "2", dependency: "3" },
      { dependent: "3", dependency: "20" },
    ];
    expect(dependencyOrder(mvs, edges)).toEqual(["c_base", "b_mid", "a_top"]);
  });
});
