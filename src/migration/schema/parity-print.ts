import type { Reporter } from "../../ui/reporter.js";
import { type ParityReport, describeDifference } from "./parity.js";

/** Prints blockers as errors and other differences as warnings; extras and set-aside objects only with --verbose. */
export function printParity(report: ParityReport, reporter: Reporter): void {
  for (const d of report.differences) {
    const line = describeDifference(d);
    if (d.severity === "blocker") reporter.error(line);
    else if (d.severity === "warning") reporter.warn(line);
    else reporter.detail(`  ${line}`);
  }
}
