/**
 * DMS table mappings (aws-dms-reference.md §2.6): one include rule per chosen schema, every
 * table in it, plus an explicit rule for the tool's cutover marker table, so the marker
 * written at cutover reaches the target even when its schema is not among the chosen ones.
 */
export interface MarkerTable {
  schema: string;
  table: string;
}

export interface SelectionRule {
  "rule-type": "selection";
  "rule-id": string;
  "rule-name": string;
  "object-locator": { "schema-name": string; "table-name": string };
  "rule-action": "include" | "explicit";
}

/**
 * In object-locator patterns `%` is any run and `_` any one character; a schema called
 * `app_data` must not also pick up `appXdata`, so both are bracketed to match literally.
 */
export function literalPattern(name: string): string {
  return name.replace(/[[\]%_]/g, (c) => `[${c}]`);
}

export function buildTableMappings(schemas: readonly string[], marker: MarkerTable): { rules: SelectionRule[] } {
  const unique = [...new Set(schemas)].filter((s) => s !== marker.schema);
  const rules: SelectionRule[] = unique.map((schema, i) => ({
    "rule-type": "selection",
    "rule-id": String(i + 1),
    "rule-name": `include-${i + 1}`,
    "object-locator": { "schema-name": literalPattern(schema), "table-name": "%" },
    "rule-action": "include",
  }));
  rules.push({
    "rule-type": "selection",
    "rule-id": String(unique.length + 1),
    "rule-name": "aurora-migrate-cutover-marker",
    // "explicit" takes exact names, no wildcards.
    "object-locator": { "schema-name": marker.schema, "table-name": marker.table },
    "rule-action": "explicit",
  });
  return { rules };
}
