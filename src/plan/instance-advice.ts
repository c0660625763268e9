import { formatBytes } from "./sql-text.js";

export interface InstanceAdviceInput {
  databaseBytes: number;
  largestTableBytes: number;
  /** Largest LOB value measured (0 when none or unknown). */
  maxLobBytes: number;
}

export interface InstanceAdvice {
  /** e.g. "dms.r5.large". */
  instanceClass: string;
  /** Why, without the class itself: "database 3.1 GiB; LOB values up to 300 MiB need memory (one size up)". */
  reason: string;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/**
 * Classes from small to large with the database size each is advised up to. The write-up in
 * shared/seed moved 15 GB in 5 hours on a dms.t2.medium: burstable classes run out of CPU
 * credits on long loads, so only small databases get one. Memory-optimised (r5) classes above
 * that, because DMS keeps cached changes and LOBs in memory during the load.
 */
const LADDER: readonly { instanceClass: string; upTo: number; what: string }[] = [
  { instanceClass: "dms.t3.medium", upTo: 10 * GIB, what: "2 vCPU, 4 GiB, burstable" },
  { instanceClass: "dms.r5.large", upTo: 100 * GIB, what: "2 vCPU, 16 GiB" },
  { instanceClass: "dms.r5.xlarge", upTo: 500 * GIB, what: "4 vCPU, 32 GiB" },
  { instanceClass: "dms.r5.2xlarge", upTo: 2048 * GIB, what: "8 vCPU, 64 GiB" },
  { instanceClass: "dms.r5.4xlarge", upTo: Infinity, what: "16 vCPU, 128 GiB" },
];

/** LOBs this large are read whole into the instance's memory in full LOB mode. */
const BIG_LOB = 100 * MIB;
/** One table this large loads in one thread for hours: worth more memory for its cached changes. */
const BIG_TABLE = 200 * GIB;

/** Pure: the replication instance class for a source, and why (step 4 reuses it). */
export function adviseInstanceClass(input: InstanceAdviceInput): InstanceAdvice {
  let index = LADDER.findIndex((c) => input.databaseBytes <= c.upTo);
  const reasons = [`database ${formatBytes(input.databaseBytes)}`];
  if (input.maxLobBytes > BIG_LOB) {
    index += 1;
    reasons.push(`LOB values up to ${formatBytes(input.maxLobBytes)} need memory (one size up)`);
  } else if (input.largestTableBytes > BIG_TABLE) {
    index += 1;
    reasons.push(`its largest table (${formatBytes(input.largestTableBytes)}) builds up cached changes during a long load (one size up)`);
  }
  const choice = LADDER[Math.min(index, LADDER.length - 1)]!;
  return { instanceClass: choice.instanceClass, reason: reasons.join("; ") };
}

/** What a class of the ladder is ("2 vCPU, 4 GiB, burstable"), or undefined for another class. */
export function instanceClassDetails(instanceClass: string): string | undefined {
  return LADDER.find((c) => c.instanceClass === instanceClass)?.what;
}

/**
 * Pure: the advice as one sentence, the class named once:
 * "dms.t3.medium (2 vCPU, 4 GiB, burstable), because database 3.1 MiB".
 * Reasons recorded by older versions ended in ": <class> (<details>)"; that tail is dropped.
 */
export function adviceText(advice: { instanceClass: string; reason: string }): string {
  const details = instanceClassDetails(advice.instanceClass);
  const tail = `: ${advice.instanceClass}`;
  const at = advice.reason.lastIndexOf(tail);
  const reason = at >= 0 && /^ \(.*\)$|^$/.test(advice.reason.slice(at + tail.length)) ? advice.reason.slice(0, at) : advice.reason;
  return `${advice.instanceClass}${details ? ` (${details})` : ""}, because ${reason}`;
}
