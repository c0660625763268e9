import { describe, expect, it } from "vitest";
import { arrayLiteral } from "../../src/migration/sequences/apply-sql.js";

describe("the sequence sync's SQL array literals", () => {
  it("GIVEN no value WHEN written THEN the literal is an empty array (not one empty string, which numeric refuses)", () => {
    expect(arrayLiteral([], "numeric")).toBe("'{}'::numeric[]");
    expect(arrayLiteral([], "text")).toBe("'{}'::text[]");
  });

  it("GIVEN values, NULLs and characters the literal escapes WHEN written THEN each is one element", () => {
    expect(arrayLiteral(["a", "b"], "text")).toBe(`'{"a","b"}'::text[]`);
    expect(arrayLiteral(["1", null], "numeric")).toBe(`'{"1",NULL}'::numeric[]`);
    // The backslash before the quote is doubled again by quoteLiteral's E'' form.
    expect(arrayLiteral(['q"uote', "it's"], "text")).toBe(`E'{"q\\\\"uote","it''s"}'::text[]`);
  });
});
