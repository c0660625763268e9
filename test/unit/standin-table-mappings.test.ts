import { describe, expect, it } from "vitest";
import { matchesPattern, parseTableMappings, selectTables } from "../../src/standin/table-mappings.js";

const tables = [
  { schema: "app", table: "orders" },
  { schema: "app", table: "order_items" },
  { schema: "app", table: "orderXitems" },
  { schema: "app", table: "tmp_import" },
  { schema: "app", table: "tmpXimport" },
  { schema: "App", table: "orders" },
  { schema: "billing", table: "invoices" },
  { schema: "aurora_migrate", table: "cutover_marker" },
];

function mappings(...rules: object[]): string {
  return JSON.stringify({
    rules: rules.map((r, i) => ({ "rule-type": "selection", "rule-id": String(i + 1), "rule-name": `r${i + 1}`, ...r })),
  });
}

describe("DMS object-locator patterns", () => {
  it("GIVEN % THEN it matches any run of characters, including none", () => {
    expect(matchesPattern("%", "")).toBe(true);
    expect(matchesPattern("ord%", "orders")).toBe(true);
    expect(matchesPattern("ord%", "ord")).toBe(true);
    expect(matchesPattern("ord%", "xorders")).toBe(false);
  });

  it("GIVEN _ THEN it matches exactly one character (so order_items also matches orderXitems)", () => {
    expect(matchesPattern("order_items", "order_items")).toBe(true);
    expect(matchesPattern("order_items", "orderXitems")).toBe(true);
    expect(matchesPattern("order_items", "orderitems")).toBe(false);
  });

  it("GIVEN [_] THEN it matches a literal underscore only", () => {
    expect(matchesPattern("tmp[_]%", "tmp_import")).toBe(true);
    expect(matchesPattern("tmp[_]%", "tmpXimport")).toBe(false);
  });

  it("GIVEN a set or range THEN one character of it matches", () => {
    expect(matchesPattern("t[ab]", "ta")).toBe(true);
    expect(matchesPattern("t[a-d]", "tc")).toBe(true);
    expect(matchesPattern("t[a-d]", "te")).toBe(false);
  });

  it("GIVEN regular-expression characters in a name THEN they are literal", () => {
    expect(matchesPattern("a.b", "a.b")).toBe(true);
    expect(matchesPattern("a.b", "axb")).toBe(false);
    expect(matchesPattern("a(1)", "a(1)")).toBe(true);
  });

  it("GIVEN a different case THEN it does not match (case-sensitive)", () => {
    expect(matchesPattern("app", "App")).toBe(false);
  });
});

describe("selecting tables with DMS selection rules", () => {
  it("GIVEN include app.% and exclude app.tmp[_]% WHEN selecting THEN app's tables except tmp_ ones are chosen", () => {
    const rules = parseTableMappings(
      mappings(
        { "object-locator": { "schema-name": "app", "table-name": "%" }, "rule-action": "include" },
        { "object-locator": { "schema-name": "app", "table-name": "tmp[_]%" }, "rule-action": "exclude" },
      ),
    );
    const names = selectTables(rules, tables).map((t) => `${t.schema}.${t.table}`);
    expect(names).toEqual(["app.orders", "app.order_items", "app.orderXitems", "app.tmpXimport"]);
  });

  it("GIVEN an explicit rule WHEN selecting THEN exactly that table is chosen, wildcards taken literally", () => {
    const rules = parseTableMappings(
      mappings({ "object-locator": { "schema-name": "app", "table-name": "order_items" }, "rule-action": "explicit" }),
    );
    expect(selectTables(rules, tables)).toEqual([{ schema: "app", table: "order_items", loadOrder: 0 }]);
  });

  it("GIVEN an exclude that matches an included table THEN the exclude wins, whatever the rule order", () => {
    const rules = parseTableMappings(
      mappings(
        { "object-locator": { "schema-name": "billing", "table-name": "%" }, "rule-action": "exclude" },
        { "object-locator": { "schema-name": "%", "table-name": "%" }, "rule-action": "include" },
      ),
    );
    expect(selectTables(rules, tables).some((t) => t.schema === "billing")).toBe(false);
    expect(selectTables(rules, tables)).toHaveLength(tables.length - 1);
  });

  it("GIVEN load-order on a rule THEN the tables it selects carry it", () => {
    const rules = parseTableMappings(
      mappings(
        { "object-locator": { "schema-name": "%", "table-name": "%" }, "rule-action": "include" },
        { "object-locator": { "schema-name": "billing", "table-name": "%" }, "rule-action": "include", "load-order": 5 },
      ),
    );
    expect(selectTables(rules, tables).find((t) => t.schema === "billing")?.loadOrder).toBe(5);
    expect(selectTables(rules, tables).find((t) => t.table === "orders")?.loadOrder).toBe(0);
  });

  it("GIVEN table-settings rules THEN they are ignored", () => {
    const json = JSON.stringify({
      rules: [
        { "rule-type": "selection", "rule-id": "1", "rule-name": "all", "object-locator": { "schema-name": "app", "table-name": "orders" }, "rule-action": "include" },
        { "rule-type": "table-settings", "rule-id": "2", "rule-name": "ps", "object-locator": { "schema-name": "app", "table-name": "orders" }, "parallel-load": { type: "none" } },
      ],
    });
    expect(selectTables(parseTableMappings(json), tables)).toHaveLength(1);
  });

  it("GIVEN mappings the stand-in cannot honour WHEN parsing THEN every problem is named in one InvalidParameterValueException", () => {
    const json = JSON.stringify({
      rules: [
        { "rule-type": "transformation", "rule-id": "1", "rule-action": "rename" },
        { "rule-type": "selection", "rule-id": "2", "object-locator": { "schema-name": "app", "table-name": "%" }, "rule-action": "include", filters: [{ "filter-type": "source" }] },
        { "rule-type": "selection", "rule-id": "3", "object-locator": { "schema-name": "app" }, "rule-action": "include" },
      ],
    });
    expect(() => parseTableMappings(json)).toThrow(/rule 1.*transformation.*rule 2.*filters.*rule 3.*table-name/);
    expect(() => parseTableMappings(json)).toThrow(expect.objectContaining({ name: "InvalidParameterValueException" }));
  });

  it("GIVEN text that is not JSON or has no include rule THEN parsing fails with a message saying so", () => {
    expect(() => parseTableMappings("{rules:")).toThrow(/not JSON/);
    expect(() => parseTableMappings(mappings({ "object-locator": { "schema-name": "%", "table-name": "%" }, "rule-action": "exclude" }))).toThrow(
      /no include or explicit/,
    );
  });
});
