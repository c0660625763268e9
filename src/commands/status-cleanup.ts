import { CLEANUP_STEP_ID, cleanupStartedAt } from "../migration/cleanup/progress.js";
import { RESOURCE_KIND } from "../migration/cleanup/kinds.js";
import { readOutput } from "../migration/outputs/read.js";
import { commandFor } from "../state/paths.js";
import type { MigrationState, ResourceRecord } from "../state/schema.js";

/** A resource as `status` lists it: present, or deleted by cleanup (and when). */
export interface ResourceStatus {
  /** The key of its record in state.resources. */
  key: string;
  kind: string;
  id: string;
  arn?: string;
  createdByUs: boolean;
  /** When cleanup recorded it as gone; absent while it exists. */
  deletedAt?: string;
}

/** The cleanup's progress as `status` shows it (only once cleanup has started). */
export interface CleanupStatus {
  startedAt: string;
  /** When the last cleanup run reached its end; absent while none has, or the latest run stopped half-way. */
  finishedAt?: string;
  /** What the last finished run removed, what it found already gone, and what stays and why (its own words). */
  done: string[];
  alreadyGone: string[];
  remaining: string[];
  /** The tool's resources recorded as deleted, oldest first. */
  deleted: ResourceStatus[];
  /** The tool's resources cleanup has still to delete (recorded as present). */
  toDelete: ResourceStatus[];
  /** The command that continues (or runs again) the cleanup. */
  command: string;
}

/** Kinds cleanup deletes when they are the tool's (the Aurora cluster and security groups are left on purpose). */
const DELETED_BY_CLEANUP: ReadonlySet<string> = new Set([
  RESOURCE_KIND.task,
  RESOURCE_KIND.endpoint,
  RESOURCE_KIND.secret,
  RESOURCE_KIND.iamRole,
  RESOURCE_KIND.instance,
  RESOURCE_KIND.subnetGroup,
  RESOURCE_KIND.securityGroupRule,
  RESOURCE_KIND.slot,
]);

/** Pure: every recorded resource with whether cleanup recorded it as deleted. */
export function resourceStatuses(resources: MigrationState["resources"]): ResourceStatus[] {
  return Object.entries(resources).map(([key, r]: [string, ResourceRecord]) => {
    const deletedAt = typeof r["deletedAt"] === "string" ? r["deletedAt"] : undefined;
    return { key, kind: r.kind, id: r.id, ...(r.arn ? { arn: r.arn } : {}), createdByUs: r.createdByUs, ...(deletedAt ? { deletedAt } : {}) };
  });
}

/** Pure: the cleanup's progress, or undefined when cleanup has not started. */
export function cleanupStatus(state: MigrationState, options: { statePath: string; configPath?: string }): CleanupStatus | undefined {
  const startedAt = cleanupStartedAt(state);
  if (startedAt === undefined) return undefined;
  const run = readOutput({ state, options }, CLEANUP_STEP_ID) ?? { done: [], alreadyGone: [], remaining: [] };
  const step = state.steps[CLEANUP_STEP_ID];
  // A later run that started after the recorded end and did not reach its own end leaves the record stale.
  const finished = run.ranAt !== undefined && step?.status !== "running" && step?.status !== "interrupted" && (step?.startedAt === undefined || run.ranAt >= step.startedAt);
  const resources = resourceStatuses(state.resources);
  const deleted = resources.filter((r) => r.deletedAt !== undefined).sort((a, b) => (a.deletedAt ?? "").localeCompare(b.deletedAt ?? ""));
  const toDelete = resources.filter((r) => r.deletedAt === undefined && r.createdByUs && DELETED_BY_CLEANUP.has(r.kind));
  return {
    startedAt,
    ...(finished && run.ranAt ? { finishedAt: run.ranAt } : {}),
    done: finished ? run.done : [],
    alreadyGone: finished ? run.alreadyGone : [],
    remaining: finished ? run.remaining : [],
    deleted,
    toDelete,
    command: commandFor("cleanup", options),
  };
}

/** The lines `status` prints for the cleanup's progress. */
export function cleanupStatusLines(c: CleanupStatus): string[] {
  const lines: string[] = [];
  lines.push(c.finishedAt ? `Started ${c.startedAt}; the last run finished ${c.finishedAt}.` : `Started ${c.startedAt}; not finished: continue with \`${c.command}\`.`);
  if (c.deleted.length) {
    lines.push(`Deleted (${c.deleted.length}):`);
    for (const r of c.deleted) lines.push(`  ✔ ${r.kind} ${r.id}, deleted ${r.deletedAt}`);
  }
  const elsewhere = c.done.filter((d) => !c.deleted.some((r) => mentions(d, r.id)));
  if (elsewhere.length) {
    lines.push(`Also removed by the last run (${elsewhere.length}):`);
    for (const d of elsewhere) lines.push(`  ✔ ${d}`);
  }
  // What the last run kept on purpose is listed with its reason under "What remains".
  const pending = c.toDelete.filter((r) => !c.remaining.some((line) => mentions(line, r.id)));
  if (pending.length) {
    lines.push(`Still to delete (${pending.length}):`);
    for (const r of pending) lines.push(`  · ${r.kind} ${r.id}`);
  }
  if (c.remaining.length) {
    lines.push(`What remains (${c.remaining.length}):`);
    for (const r of c.remaining) lines.push(`  • ${r}`);
  }
  if (c.finishedAt && pending.length) lines.push(`Run \`${c.command}\` again to delete what is left.`);
  return lines;
}

/** Whether a line of the cleanup's report names this resource id (as a whole word, not inside a longer id). */
function mentions(line: string, id: string): boolean {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w-])${escaped}($|[^\\w-])`).test(line);
}
