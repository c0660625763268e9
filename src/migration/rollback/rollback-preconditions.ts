/** Everything the rollback's go/no-go depends on, read before anything is changed. */
export interface RollbackFacts {
  /** The reverse task's status as DMS reports it. */
  reverseTaskStatus: string;
  /** Its latest CDC latency in seconds; undefined while CloudWatch has no datapoints. */
  cdcLatencySeconds: number | undefined;
  latencyThresholdSeconds: number;
}

/** Pure: may the rollback start? Every problem listed, each with what to do. */
export function rollbackVerdict(f: RollbackFacts): { ready: boolean; problems: string[] } {
  const problems: string[] = [];
  if (f.reverseTaskStatus !== "running") {
    problems.push(
      `The reverse DMS task is "${f.reverseTaskStatus}", not running: Aurora's writes are not flowing back to the old server, so going back now would lose them. Check its log in the DMS console (aurora-migrate status shows it), start it again (resume-processing), and run the rollback once it runs.`,
    );
  }
  if (f.cdcLatencySeconds === undefined) {
    problems.push("CloudWatch has no CDC latency datapoints for the reverse task yet, so there is no evidence it keeps up. Wait a few minutes after it starts.");
  } else if (f.cdcLatencySeconds > f.latencyThresholdSeconds) {
    problems.push(
      `The reverse task's CDC latency is ${f.cdcLatencySeconds} s, over the threshold of ${f.latencyThresholdSeconds} s: freezing Aurora now would keep the app frozen until DMS catches up. Wait until it is lower (aurora-migrate status), or raise rollback.maxLatencySeconds.`,
    );
  }
  return { ready: problems.length === 0, problems };
}
