import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

describe("the built CLI: bad input is exit 2 with what to fix", () => {
  it("GIVEN a --config file with mistyped keys WHEN the wizard starts THEN exit 2 lists each unknown key with the closest question id, and nothing is written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "am-inputs-"));
    const config = join(dir, "answers.json");
    writeFileSync(
      config,
      JSON.stringify({
        source: { url: "postgres://app@127.0.0.1:1/app" },
        // A question's own id that merely contains "password" is fine.
        aurora: { clientCdr: "203.0.113.7/32", passwordMode: "prompt" },
        "dms.instance.clas": "dms.t3.large",
        "cutover.switchHok": "deploy.sh",
      }),
    );
    const res = await runCli(["start", "--config", config, "--yes", "--state", join(dir, "m.state.json")]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("3 problem(s)");
    expect(res.stderr).toContain("aurora.clientCdr: no question has this id; did you mean aurora.clientCidr?");
    expect(res.stderr).toContain("dms.instance.clas: no question has this id; did you mean dms.instance.class?");
    expect(res.stderr).toContain("cutover.switchHok: no question has this id; did you mean cutover.switchHook?");
    expect(res.stderr).not.toContain("passwordMode");
    expect(readdirSync(dir)).toEqual(["answers.json"]);
  });

  it("GIVEN a state file in a directory this user cannot write to WHEN the wizard starts THEN exit 2 names the directory and what to do, not an unexpected error", async () => {
    // root may write anywhere chmod forbids; sysfs refuses new files even to root.
    let dir = "/sys";
    if (process.getuid?.() !== 0) {
      dir = join(mkdtempSync(join(tmpdir(), "am-inputs-")), "read-only");
      mkdirSync(dir);
      chmodSync(dir, 0o555);
    }
    const state = join(dir, "m.state.json");
    const res = await runCli(["start", "--source", "postgres://app@127.0.0.1:1/app", "--yes", "--state", state]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`Cannot write in ${dir}: the directory is not writable for this user`);
    expect(res.stderr).toContain("pass --state with a path in a directory you can write to");
    expect(res.stderr).not.toMatch(/Unexpected error|EACCES/);
    expect(existsSync(state)).toBe(false);
  });

  it("GIVEN --state in a directory that does not exist WHEN the wizard starts THEN exit 2 says to create it", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "am-inputs-")), "not", "there");
    const res = await runCli(["start", "--source", "postgres://app@127.0.0.1:1/app", "--yes", "--state", join(dir, "m.state.json")]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`The directory ${dir} for the state file does not exist.`);
    expect(res.stderr).toContain(`mkdir -p ${dir}`);
  });
});
