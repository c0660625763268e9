import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellQuote } from "../../src/core/shell-quote.js";

/** What /bin/sh makes of the quoted word: printed back by printf, byte for byte. */
const throughSh = (word: string): string => execFileSync("/bin/sh", ["-c", `printf '%s' ${shellQuote(word)}`], { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: "/home/nobody" } });

describe("shellQuote: one word for /bin/sh", () => {
  it.each([
    "./aurora-migrate.state.json",
    "/tmp/my state.json",
    "it's",
    "''",
    `"double" and 'single'`,
    "$HOME and `id` and $(id)",
    "*.json",
    "~/state.json",
    "a;b|c&d>e<f",
    "line one\nline two",
    "tab\there",
    "Ünïcode ✓ 状態",
    "A=b",
    "\\back\\slash",
    "",
    "-n",
  ])("GIVEN %j THEN /bin/sh reads it back unchanged", (word) => {
    expect(throughSh(word)).toBe(word);
  });

  it("GIVEN a plain path THEN it is left bare, so messages read naturally", () => {
    expect(shellQuote("./aurora-migrate.state.json")).toBe("./aurora-migrate.state.json");
    expect(shellQuote("/usr/bin/node")).toBe("/usr/bin/node");
  });

  it("GIVEN a word that could be read as an assignment THEN it is quoted", () => {
    expect(shellQuote("A=b")).toBe("'A=b'");
  });
});
