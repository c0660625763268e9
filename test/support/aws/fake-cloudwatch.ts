/**
 * CloudWatch (the task's CDC latency points, one more served per call) and CloudWatch Logs (the
 * task's log lines).
 */
import type { CloudWatchPort, LogsPort } from "../../../src/adapters/aws/ports.js";
import type { FakeAws } from "./fake-aws.js";
import { fault } from "./fake-secrets-iam.js";

export function fakeCloudWatch(aws: FakeAws): CloudWatchPort {
  let metricCalls = 0;
  return {
    getMetricData: (input) =>
      aws.op("cloudwatch", "getMetricData", input, () => {
        metricCalls += 1;
        const script = (aws.o.latency ?? []).slice(0, metricCalls);
        const end = input.EndTime ? new Date(input.EndTime) : new Date();
        const minute = Math.floor(end.getTime() / 60_000) * 60_000;
        // Every task of the account publishes (the forward task and the rollback window's reverse one).
        const tasks = [...aws.tasks.values()];
        const instance = [...aws.replicationInstances.values()][0];
        return {
          MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
            const dims = q.MetricStat?.Metric?.Dimensions ?? [];
            // CloudWatch matches only the exact dimension set the metric was published with.
            const matches = tasks.some((task) => {
              const want = [
                { Name: "ReplicationInstanceIdentifier", Value: instance?.ReplicationInstanceIdentifier },
                { Name: "ReplicationTaskIdentifier", Value: task.ReplicationTaskArn?.split(":").pop() },
              ];
              return dims.length === 2 && want.every((w) => dims.some((d) => d.Name === w.Name && d.Value === w.Value));
            });
            const points = matches
              ? script
                  .map((p, i) => ({ p, at: new Date(minute - (script.length - 1 - i) * 60_000) }))
                  .filter((x): x is { p: { source: number; target: number }; at: Date } => x.p !== null)
                  .reverse()
              : [];
            const source = q.MetricStat?.Metric?.MetricName === "CDCLatencySource";
            return { Id: q.Id, Label: q.MetricStat?.Metric?.MetricName, StatusCode: "Complete", Timestamps: points.map((x) => x.at), Values: points.map((x) => (source ? x.p.source : x.p.target)) };
          }),
        };
      }),
  };
}

export function fakeLogs(aws: FakeAws): LogsPort {
  return {
    filterLogEvents: (input) =>
      aws.op("logs", "filterLogEvents", input, () => {
        if (!aws.o.logLines) throw fault("ResourceNotFoundException", "The specified log group does not exist.");
        return { events: aws.o.logLines.map((message, i) => ({ message, timestamp: i })) };
      }),
  };
}
