import { describe, expect, it } from "vitest";
import { type SourcePrivilege, PUBLIC_ROLE, createRoleSql, planPrivileges } from "../../src/migration/schema/privileges.js";

const p = (o: Partial<SourcePrivilege> & Pick<SourcePrivilege, "kind" | "privilege" | "grantee">): SourcePrivilege => ({
  schema: "Sales",
  name: null,
  detail: null,
  granteeLogin: true,
  grantable: false,
  ...o,
});

describe("planPrivileges", () => {
  it("GIVEN grants to PUBLIC, an odd role name, with grant option and to a missing group role WHEN planned THEN identifiers are quoted, PUBLIC stays a keyword, and the missing role is listed NOLOGIN with its GRANTs", () => {
    const plan = planPrivileges(
      [
        p({ kind: "schema", privilege: "USAGE", grantee: PUBLIC_ROLE }),
        p({ kind: "table", name: 'we"ird', privilege: "SELECT", grantee: 'Rep"orter', grantable: true }),
        p({ kind: "routine", name: "total", detail: "integer, text", privilege: "EXECUTE", grantee: "readers", granteeLogin: false }),
      ],
      new Set([PUBLIC_ROLE, 'Rep"orter']),
    );
    expect(plan.grants).toEqual(['GRANT USAGE ON SCHEMA "Sales" TO PUBLIC', 'GRANT SELECT ON TABLE "Sales"."we""ird" TO "Rep""orter" WITH GRANT OPTION']);
    expect(plan.grantees).toEqual([PUBLIC_ROLE, 'Rep"orter']);
    expect(plan.missing).toEqual([{ role: "readers", login: false, statements: ['GRANT EXECUTE ON ROUTINE "Sales"."total"(integer, text) TO "readers"'] }]);
    expect(createRoleSql(plan.missing[0]!)).toBe('CREATE ROLE "readers" NOLOGIN;');
  });
});
