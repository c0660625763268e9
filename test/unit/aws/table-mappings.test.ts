import { describe, expect, it } from "vitest";
import { buildTableMappings, parentsNotExcluded } from "../../../src/plan/table-mappings.js";
import { parseTableMappings, selectTables } from "../../../src/standin/table-mappings.js";

const marker = { schema: "aurora_migrate", table: "cutover_marker" };

/** A source with partitioned tables of awkward names, sub-partitions, and look-alike plain tables. */
const partitioned = [
  { schema: "app_data", table: "events" },
  { schema: "app_data", table: "events_2025" }, // sub-partitioned: a partition that has partitions
  { schema: "app_data", table: "ev%nt_[x]" },
  { schema: "Sales", table: 'Orders "EU"' },
  { schema: "app_data", table: "évènements" },
  { schema: "elsewhere", table: "not_chosen" },
];
const leaves = [
  { schema: "app_data", table: "events_2024" },
  { schema: "app_data", table: "events_2025_lo" },
  { schema: "app_data", table: "events_2025_hi" },
  { schema: "app_data", table: "evXnt_[x]" }, // what `_` or `%` taken as wildcards would also match
  { schema: "app_data", table: "ev%ntX[x]" },
  { schema: "app_data", table: "ev%nt_x" },
  { schema: "appXdata", table: "events" },
  { schema: "Sales", table: 'Orders "EU" 2025' },
  { schema: "app_data", table: "évènements_1" },
];

function chosen(mappings: { rules: object[] }): string[] {
  const rules = parseTableMappings(JSON.stringify(mappings));
  return selectTables(rules, [...partitioned, ...leaves, { schema: "appXdata", table: "x" }]).map((t) => `${t.schema}.${t.table}`);
}

describe("the task's table mappings and partitioned tables", () => {
  it("GIVEN partitioned tables with wildcard characters, quotes, unicode and sub-partitions WHEN the mappings are built THEN each has an exact exclude rule and every leaf, look-alikes included, is still selected", () => {
    const mappings = buildTableMappings(["app_data", "Sales"], marker, partitioned);
    expect(mappings.rules.filter((r) => r["rule-action"] === "exclude").map((r) => r["object-locator"])).toEqual([
      { "schema-name": "Sales", "table-name": 'Orders "EU"' },
      { "schema-name": "app[_]data", "table-name": "ev[%]nt[_][[]x[]]" },
      { "schema-name": "app[_]data", "table-name": "events" },
      { "schema-name": "app[_]data", "table-name": "events[_]2025" },
      { "schema-name": "app[_]data", "table-name": "évènements" },
    ]);
    expect(chosen(mappings).sort()).toEqual(
      [
        "app_data.events_2024",
        "app_data.events_2025_lo",
        "app_data.events_2025_hi",
        "app_data.evXnt_[x]",
        "app_data.ev%ntX[x]",
        "app_data.ev%nt_x",
        'Sales.Orders "EU" 2025',
        "app_data.évènements_1",
      ].sort(),
    );
    // Rule ids stay unique and in order; the marker's explicit rule comes last.
    expect(mappings.rules.map((r) => r["rule-id"])).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
    expect(mappings.rules.at(-1)).toMatchObject({ "rule-action": "explicit", "object-locator": { "schema-name": "aurora_migrate", "table-name": "cutover_marker" } });
  });

  it("GIVEN no exclude rules THEN the parents are selected along with their partitions (what DMS's % does)", () => {
    const withoutExcludes = buildTableMappings(["app_data"], marker);
    expect(chosen(withoutExcludes)).toEqual(expect.arrayContaining(["app_data.events", "app_data.events_2025", "app_data.events_2024"]));
  });

  it("GIVEN stored mappings WHEN checked THEN the parents no exclude rule matches are named, and unreadable mappings exclude nothing", () => {
    const parents = partitioned.slice(0, 3);
    expect(parentsNotExcluded(JSON.stringify(buildTableMappings(["app_data"], marker, parents)), parents)).toEqual([]);
    const partial = { rules: [...buildTableMappings(["app_data"], marker).rules, { "rule-type": "selection", "rule-id": "9", "rule-name": "x", "object-locator": { "schema-name": "app%", "table-name": "events%" }, "rule-action": "exclude" }] };
    expect(parentsNotExcluded(JSON.stringify(partial), parents)).toEqual([{ schema: "app_data", table: "ev%nt_[x]" }]);
    expect(parentsNotExcluded("{}", parents)).toEqual(parents);
    expect(parentsNotExcluded("not json", parents)).toEqual(parents);
    expect(parentsNotExcluded(undefined, [])).toEqual([]);
  });
});
