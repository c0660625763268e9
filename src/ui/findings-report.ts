import type { PreflightResult } from "../plan/preflight/index.js";
import type { Finding, Severity } from "../state/schema.js";
import type { Reporter } from "./reporter.js";

const HEADINGS: Record<Severity, string> = { blocker: "Blockers", warning: "Warnings", info: "Notes" };

/** "1 warning", "2 warnings": a count said once, in words. */
export function countOf(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "1 blocker, 2 warnings, 4 notes; 17 checks passed". */
export function preflightSummary(result: PreflightResult): string {
  const { blocker, warning, info } = result.counts;
  return `${countOf(blocker, "blocker")}, ${countOf(warning, "warning")}, ${countOf(info, "note")}; ${countOf(result.passed.length, "check")} passed`;
}

/** Indents continuation lines under a label, so multi-line fixes stay readable. */
function block(label: string, text: string): string {
  const pad = " ".repeat(6 + label.length);
  return `      ${label}${text.split("\n").join(`\n${pad}`)}`;
}

export function printFinding(reporter: Reporter, f: Finding): void {
  const c = reporter.color;
  const icon = f.severity === "blocker" ? c.red("✖") : f.severity === "warning" ? c.yellow("!") : c.cyan("i");
  reporter.info(`  ${icon} ${c.bold(f.title)} ${c.dim(`[${f.check}]`)}`);
  reporter.info(block("found: ", f.found));
  if (f.fix) reporter.info(block("fix:   ", f.fix + (f.restartNeeded ? "\n(needs a restart)" : "")));
}

/** The preflight for a person: grouped by severity, each with what was found and the fix. */
export function printPreflight(reporter: Reporter, result: PreflightResult): void {
  const c = reporter.color;
  for (const severity of ["blocker", "warning", "info"] as const) {
    const group = result.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    const paint = severity === "blocker" ? c.red : severity === "warning" ? c.yellow : c.cyan;
    reporter.info("");
    reporter.info(paint(c.bold(`${HEADINGS[severity]} (${group.length})`)));
    for (const f of group) printFinding(reporter, f);
  }
  if (result.passed.length) {
    reporter.info("");
    reporter.info(c.green(`Passed (${result.passed.length}): `) + result.passed.join("; "));
  }
}
