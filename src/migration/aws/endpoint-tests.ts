import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices, DmsConnection } from "../../adapters/aws/ports.js";
import { describeLocation } from "../../adapters/postgres/url.js";
import { OperationError } from "../../core/errors.js";
import { diagnoseConnectionFailure } from "../../plan/connection-diagnosis.js";
import { hbaAuthMethod } from "../../plan/preflight/pg-hba.js";
import type { StepContext } from "../context.js";
import type { ReplicationInstanceOutput } from "../outputs/aws.js";
import { readOutput } from "../outputs/read.js";
import { lastLogLines, logDetails } from "./logs.js";
import { pollUntil } from "./poll.js";

export interface Tested {
  role: "source" | "target";
  arn: string;
  host: string;
  port: number;
  user: string;
  database: string;
}

/** DMS's own connection test for both endpoints; a failure says why and what to fix. */
export async function testConnections(ctx: StepContext, aws: AwsServices, instance: ReplicationInstanceOutput, endpoints: Tested[]): Promise<void> {
  const startedAt = ctx.clock.now();
  for (const e of endpoints) {
    try {
      await aws.dms.testConnection({ ReplicationInstanceArn: instance.instanceArn, EndpointArn: e.arn });
    } catch (err) {
      // A test still running from a previous attempt: just wait for its result.
      if (!isAwsError(err, "InvalidResourceStateFault")) throw err;
    }
  }
  const results = await pollUntil<(DmsConnection | undefined)[]>(ctx, {
    what: "the connection tests",
    until: "both connection tests succeed",
    read: () =>
      Promise.all(
        endpoints.map(async (e) => {
          const out = await aws.dms.describeConnections({
            // Both filters, or an unrelated connection's result could be read as ours.
            Filters: [
              { Name: "endpoint-arn", Values: [e.arn] },
              { Name: "replication-instance-arn", Values: [instance.instanceArn] },
            ],
          });
          return out.Connections?.[0];
        }),
      ),
    show: (cs) => endpoints.map((e, i) => `${e.role}: ${cs[i]?.Status ?? "waiting"}`).join(" · "),
    done: (cs) => cs.every((c) => c?.Status === "successful" || c?.Status === "failed"),
    firstDelayMs: 5_000,
    maxDelayMs: 20_000,
    timeoutMs: 15 * 60_000,
    successText: (cs) => `Connection tests: ${endpoints.map((e, i) => `${e.role} ${cs[i]?.Status ?? "?"}`).join(", ")}`,
  });
  const failures = endpoints.map((e, i) => ({ e, c: results[i] })).filter((x) => x.c?.Status === "failed");
  if (failures.length === 0) {
    // Every test succeeded (a dry run's planned ones are still "testing": nothing to claim).
    if (results.every((c) => c?.Status === "successful")) ctx.reporter.success("DMS reaches both the source and Aurora.");
    return;
  }
  const logs = await lastLogLines(aws, { instanceId: instance.instanceId, since: new Date(startedAt.getTime() - 5 * 60_000) });
  const details: string[] = [];
  const hints: string[] = [];
  // The pg_hba.conf lines proposed for the source use its password_encryption, as step 4's did.
  const authMethod = hbaAuthMethod(readOutput(ctx, "source-preflight")?.passwordEncryption);
  for (const { e, c } of failures) {
    const message = c?.LastFailureMessage ?? "DMS gave no message";
    details.push(`${e.role} (${describeLocation({ host: e.host, port: e.port, user: e.user, database: e.database, params: {} })}): ${message}`);
    hints.push(`${e.role}: ${diagnoseConnectionFailure({ role: e.role, message, instanceIps: instance.sourceFacingIps, host: e.host, port: e.port, user: e.user, database: e.database, authMethod })}`);
  }
  throw new OperationError(`DMS could not connect to the ${failures.map((f) => f.e.role).join(" and ")} from ${instance.instanceId}.`, {
    details: [...details, ...logDetails(logs)],
    hint: [...hints, "Then resume: the endpoints are kept, brought to the current answers (ModifyEndpoint) and tested again."].join("\n"),
  });
}
