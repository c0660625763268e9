import { describe, expect, it } from "vitest";
import { comparedSchemas, normaliseViewSql } from "../../src/migration/schema/catalog.js";

describe("catalog normalisation (pure)", () => {
  it("GIVEN the same single-table view as PostgreSQL 15 and 17 print it WHEN normalised THEN both read the same", () => {
    const on15 = `SELECT count(*) AS n, sum(plain.v) AS s FROM "Shop ""Ops""".plain;`;
    const on17 = `SELECT count(*) AS n, sum(v) AS s FROM "Shop ""Ops""".plain;`;
    expect(normaliseViewSql(on15)).toBe(normaliseViewSql(on17));
  });

  it("GIVEN views reading the same table from two schemas WHEN normalised THEN they still differ", () => {
    expect(normaliseViewSql("SELECT t.id FROM app.t")).not.toBe(normaliseViewSql("SELECT t.id FROM archive.t"));
    expect(normaliseViewSql(`SELECT o.id FROM app.orders o JOIN "Sales"."Order Lines" l ON o.id = l.oid`)).toBe(
      `SELECT id FROM app.orders o JOIN "Sales"."Order Lines" l ON id = oid`,
    );
  });

  it("GIVEN --schemas naming the tool's and the DMS stand-in's schemas WHEN compared THEN only the app's schemas are", () => {
    expect(comparedSchemas(["app", "aurora_migrate", "awsdms_standin", "Sales"])).toEqual(["app", "Sales"]);
  });
});
