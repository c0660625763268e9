import { describe, expect, it } from "vitest";
import { parseDump, renderDump, withoutToolTriggers } from "../../src/migration/schema/dump.js";

const entry = (name: string, type: string, sql: string): string => `--\n-- Name: ${name}; Type: ${type}; Schema: app; Owner: postgres\n--\n\n${sql}\n\n\n`;

describe("the built-in load's dump", () => {
  it("GIVEN a post-data dump taken after step 8 put the key-change trigger on the source WHEN it is filtered THEN the tool's trigger is gone and the app's own triggers stay", () => {
    const dump = parseDump(
      "SET x = 1;\n\n" +
        entry("orders aurora_migrate_key_change", "TRIGGER", `CREATE TRIGGER aurora_migrate_key_change AFTER UPDATE ON app.orders FOR EACH ROW WHEN (record_image_ne(ROW(old.id), ROW(new.id))) EXECUTE FUNCTION aurora_migrate.record_key_change('id');`) +
        entry("orders audit", "TRIGGER", "CREATE TRIGGER audit AFTER UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.audit();") +
        entry("orders orders_pkey", "CONSTRAINT", "ALTER TABLE ONLY app.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);"),
    );
    const text = renderDump(withoutToolTriggers(dump));
    expect(text).not.toMatch(/aurora_migrate/);
    expect(text).toMatch(/CREATE TRIGGER audit/);
    expect(text).toMatch(/orders_pkey PRIMARY KEY/);
  });
});
