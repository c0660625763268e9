import { describe, expect, it } from "vitest";
import { runMain } from "../support/in-process-cli.js";

const COMMANDS = ["start", "resume", "status", "answers", "check-source", "sync-sequences", "validate", "cutover", "cleanup", "rollback", "finish", "demo"] as const;
const GLOBAL_OPTIONS = ["--state <path>", "--config <path>", "-y, --yes", "--json", "--dry-run", "--region <region>", "--profile <name>", "--verbose", "--no-color"];

/** The lines of a help text's section, from its heading to the next blank line. */
function section(help: string, heading: string): string[] {
  const lines = help.split("\n");
  const start = lines.indexOf(heading);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l === "");
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe("--help of every command, as a reader sees it (snapshots in test/unit/__snapshots__/help/)", () => {
  for (const command of COMMANDS) {
    it(`GIVEN \`aurora-migrate ${command} --help\` WHEN read THEN the global options are listed with the command's own, defaults are plain numbers, the exit codes one per line, and prose fits 80 columns`, async () => {
      const { code, stdout } = await runMain([command, "--help"]);
      expect(code).toBe(0);
      const globals = section(stdout, "Global Options:").join("\n");
      for (const option of GLOBAL_OPTIONS) expect(globals, `${command} --help lacks ${option}`).toContain(option);
      expect(globals).not.toContain("--version");
      // A number's default is shown as a number, never as a quoted string.
      expect(stdout).not.toMatch(/default: "\d+"/);
      // Every exit-code line starts with its code or continues the one above, indented.
      const exits = section(stdout, "Exit codes:");
      expect(exits.length, `${command} --help has no exit codes`).toBeGreaterThan(0);
      for (const line of exits) expect(line).toMatch(/^ {2}(\d+) +\S| {7}\S/);
      expect(exits.map((l) => /^ {2}(\d+) /.exec(l)?.[1]).filter(Boolean)).toContain("0");
      // Only example command lines may run past 80 columns.
      expect(stdout.split("\n").filter((l) => l.length > 80 && !l.startsWith("  $ "))).toEqual([]);
      await expect(stdout).toMatchFileSnapshot(`__snapshots__/help/${command}.txt`);
    });
  }

  it("GIVEN `aurora-migrate --help` WHEN read THEN the command list gives one short summary per command, not the long descriptions", async () => {
    const { stdout } = await runMain(["--help"]);
    const list = section(stdout, "Commands:");
    for (const command of COMMANDS) expect(list.some((l) => l.trimStart().startsWith(command))).toBe(true);
    // Each command's summary fits on at most two lines of the list.
    const starts = list.map((l, i) => (/^ {2}\S/.test(l) ? i : -1)).filter((i) => i >= 0);
    const heights = starts.map((s, k) => (starts[k + 1] ?? list.length) - s);
    expect(Math.max(...heights)).toBeLessThanOrEqual(2);
    await expect(stdout).toMatchFileSnapshot("__snapshots__/help/aurora-migrate.txt");
  });

  it("GIVEN a whole-number option given a word WHEN parsed THEN exit 2 naming the option and the range", async () => {
    const { code, stderr } = await runMain(["validate", "--jobs", "many", "--source", "postgres://a@h/d", "--target", "postgres://a@h/d"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--jobs <n>");
    expect(stderr).toContain("expected a whole number from 1 to 64");
  });
});
