import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type Server, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";
import { envelopeIn } from "../support/json-envelope.js";

/** An HTTP server standing in for every AWS endpoint: it records each request's operation and refuses it. */
async function recordingAws(): Promise<{ url: string; operations: string[]; close(): Promise<void> }> {
  const operations: string[] = [];
  const operationOf = async (req: IncomingMessage): Promise<string> => {
    let body = "";
    for await (const chunk of req) body += String(chunk);
    const target = req.headers["x-amz-target"];
    if (typeof target === "string") return target.split(".").pop() ?? target;
    return /(?:^|&)Action=([^&]+)/.exec(body)?.[1] ?? `${req.method ?? "?"} ${req.url ?? ""}`;
  };
  const server: Server = createServer((req, res) => {
    void operationOf(req).then((op) => {
      operations.push(op);
      res.writeHead(400, { "content-type": "text/xml" });
      res.end("<ErrorResponse><Error><Code>InvalidAction</Code><Message>recording stand-in</Message></Error></ErrorResponse>");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, operations, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("the built CLI: start --dry-run", () => {
  let db: TestDatabase;
  let aws: Awaited<ReturnType<typeof recordingAws>>;
  beforeAll(async () => {
    db = await freshDatabase("source", "dry");
    await db.sql("CREATE TABLE shop_order (id bigint PRIMARY KEY, total numeric); INSERT INTO shop_order VALUES (1, 9.5)");
    aws = await recordingAws();
  });
  afterAll(async () => {
    await db.drop();
    await aws.close();
  });

  it("GIVEN a config WHEN `start --dry-run --yes` runs THEN all 13 steps are walked through, exit 0, no AWS call changes anything, no state file is written and no resume is suggested", async () => {
    const dir = mkdtempSync(join(tmpdir(), "am-dry-"));
    const state = join(dir, "m.state.json");
    const config = join(dir, "answers.json");
    // The target's credentials through the tool's own secret (the master password read from RDS's), so nothing has to be typed.
    const target = { credentials: "secret" };
    writeFileSync(config, JSON.stringify({ source: { url: db.urlAs("postgres", "dry-run-Pa55") }, dms: { target } }));
    const res = await runCli(["start", "--dry-run", "--yes", "--json", "--config", config, "--state", state, "--region", "eu-west-1"], {
      env: { AWS_ENDPOINT_URL: aws.url, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "example", AWS_EC2_METADATA_DISABLED: "true", PGPASSWORD: "" },
    });
    const out = res.stdout + res.stderr;
    expect(res.code, out).toBe(0);
    for (let n = 1; n <= 13; n++) expect(out).toContain(`Step ${n}/13`);
    // The calls it would make are printed, the destructive ones included.
    for (const op of ["RDS CreateDBCluster", "DMS CreateReplicationTask", "DMS StartReplicationTask", "DMS DeleteReplicationTask", "DMS DeleteReplicationInstance"]) expect(out).toContain(`[dry-run] ${op} `);
    expect(aws.operations.filter((op) => /^(Create|Delete|Modify|Start|Stop|Authorize|Revoke|Put|Attach|Import|Reboot)/.test(op))).toEqual([]);
    expect(existsSync(state)).toBe(false);
    expect(readdirSync(dir)).toEqual(["answers.json"]);
    expect(out).not.toMatch(/aurora-migrate resume|continue with|is saved in/i);
    expect(out.trim().split("\n").pop()).toContain("Dry run: all 13 steps walked through");
    // --json: stdout is the one envelope, the 13 steps walked through in its result; the story went to stderr.
    const doc = envelopeIn<{ steps: { status: string }[] }>(res.stdout, { command: "start", exitCode: 0 });
    expect(doc.result.steps).toHaveLength(13);
    expect(res.stderr).toContain("Step 13/13");
  });
});
