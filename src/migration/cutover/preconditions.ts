import { type TableCount, tolerantCountProblems } from "./row-counts.js";

/** Everything the cutover's go/no-go depends on, gathered before anything is changed. */
export interface CutoverFacts {
  /** The DMS task's status. */
  taskStatus: string;
  /** Latest CDC latency in seconds; undefined while CloudWatch has no datapoints. */
  cdcLatencySeconds: number | undefined;
  /** Highest latency at which the cutover may start. */
  latencyThresholdSeconds: number;
  /** Row counts from `validate`, or "skipped" when the user said so explicitly. */
  rowCounts: TableCount[] | "skipped";
  /** The marker table exists on the target (so the drain can ever see the marker). */
  markerTableOnTarget: boolean;
  /**
   * DDL run on the source since the schema load (the drift guard), one line each naming the
   * change and the DDL to run on the target; absent when nothing was recorded to compare with.
   */
  schemaDrift?: string[];
}

export interface CutoverVerdict {
  ready: boolean;
  /** One line per thing that is off, each saying what to do. */
  problems: string[];
  /** Things that are fine but worth saying (a skipped validation). */
  notes: string[];
}

/** Pure: may the cutover start? Every problem is listed, not only the first. */
export function cutoverVerdict(f: CutoverFacts): CutoverVerdict {
  const problems: string[] = [];
  const notes: string[] = [];
  if (f.taskStatus !== "running") {
    problems.push(`The DMS task is "${f.taskStatus}", not running: changes are not flowing to the target. Resume the task (aurora-migrate resume) and wait for sync.`);
  }
  if (f.cdcLatencySeconds === undefined) {
    problems.push("CloudWatch has no CDC latency datapoints for the task yet, so there is no evidence it keeps up. Wait a few minutes after the task resumes.");
  } else if (f.cdcLatencySeconds > f.latencyThresholdSeconds) {
    problems.push(
      `CDC latency is ${f.cdcLatencySeconds} s, over the threshold of ${f.latencyThresholdSeconds} s: freezing writes now would keep them frozen until DMS catches up. Wait until it is lower (aurora-migrate status), or raise cutover.maxLatencySeconds.`,
    );
  }
  if (f.rowCounts === "skipped") {
    notes.push("Row-count validation skipped at your request.");
  } else {
    // Tolerant: the app still writes, so the target trails by its CDC lag; the exact
    // comparison runs after the freeze and the drain, when nothing can differ any more.
    const off = tolerantCountProblems(f.rowCounts);
    if (off.length) {
      problems.push(
        `Row counts are further apart than CDC lag can explain in ${off.length} table(s): ${off.slice(0, 5).join("; ")}${off.length > 5 ? "; …" : ""}. Check the task's table statistics and aurora-migrate validate, or skip explicitly with --skip-validation.`,
      );
    }
  }
  if (!f.markerTableOnTarget) {
    problems.push(
      "The cutover marker table aurora_migrate.cutover_marker is not on the target, so the drain could never see its marker. The DMS task's table mappings must include the aurora_migrate schema; check the task, then wait for it to replicate.",
    );
  }
  if (f.schemaDrift?.length) {
    // DMS does not carry DDL from a PostgreSQL source: the target keeps the shape of the schema load.
    problems.push(
      `The source's schema changed after the schema load and DMS does not carry DDL, so the target still lacks ${f.schemaDrift.length} change(s); apply each to the target (a change the target already matches no longer counts):`,
      ...f.schemaDrift.map((line) => `  ${line}`),
    );
  }
  return { ready: problems.length === 0, problems, notes };
}
