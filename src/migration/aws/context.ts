import type { AwsServices } from "../../adapters/aws/ports.js";
import { OperationError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { recordedLocation } from "../connections.js";
import { majorOf } from "../../plan/pg-version.js";
import type { PgLocation } from "../../adapters/postgres/url.js";
import { requireOutput } from "../outputs/read.js";

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
  const recorded = requireOutput(ctx, "source-connection", "The source connection");
  const location = recordedLocation(ctx, "source");
  const v = recorded.serverVersionNum;
  return { location, database: recorded.database, serverVersionNum: v, major: majorOf(v) };
}
