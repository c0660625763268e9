import type { AwsServices } from "../../adapters/aws/ports.js";
import { OperationError, UsageError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { sourceConnectionOutput } from "../../steps/source-connection.js";
import { recordedLocation } from "../connections.js";
import { majorOf } from "../../plan/pg-version.js";
import type { PgLocation } from "../../adapters/postgres/url.js";

/** The AWS services of this run; a step that needs them fails clearly where none were given. */
export async function awsFor(ctx: StepContext): Promise<AwsServices> {
  if (!ctx.aws) {
    throw new OperationError("This step talks to AWS, but this command was started without AWS access.", {
      hint: "Run the migration with `aurora-migrate start` or `aurora-migrate resume`.",
    });
  }
  return ctx.aws();
}

export interface SourceFacts {
  location: PgLocation;
  database: string;
  /** e.g. 150004 for 15.4. */
  serverVersionNum: number;
  major: number;
}

/** What step 1 recorded about the source; the AWS steps cannot run before it. */
export function sourceFacts(ctx: StepContext): SourceFacts {
  const parsed = sourceConnectionOutput.safeParse(ctx.state.outputs["source-connection"]);
  if (!parsed.success) {
    throw new UsageError("The state file has no source connection recorded yet.", { hint: "Resume the wizard so step 1 (source connection) runs first." });
  }
  const location = recordedLocation(ctx, "source");
  const v = parsed.data.serverVersionNum;
  return { location, database: parsed.data.database, serverVersionNum: v, major: majorOf(v) };
}

/** A typed step output recorded by an earlier step of ours, or a clear error. */
export function requireOutput<T>(ctx: StepContext, stepId: string, what: string): T {
  const value = ctx.state.outputs[stepId];
  if (value === undefined) {
    throw new UsageError(`${what} is not recorded yet (step "${stepId}").`, { hint: "Resume the wizard so the earlier steps run first." });
  }
  return value as T;
}

/** Placeholder used in --dry-run where AWS would have returned a value. */
export const dryRunValue = (what: string): string => `<${what}>`;
