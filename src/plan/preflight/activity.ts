import { formatBytes, quoteLiteral } from "../sql-text.js";
import { type PreflightCheck, listSome } from "./check.js";
import type { SlotFact } from "./facts.js";

/**
 * What runs on the source now: open transactions hold DMS's start back (it waits for them,
 * TransactionConsistencyTimeout) and keep WAL; slots left by earlier tools retain WAL and use
 * the capacity DMS needs (docs/dms-notes.md §4, §6, §13).
 */

const minutes = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${Math.round(s / 60)} min`);

const longTransactions: PreflightCheck = {
  id: "activity.long_transactions",
  title: "no long-running transactions",
  run(facts) {
    const xs = facts.longTransactions;
    if (xs.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "warning",
        title: `${xs.length} transaction(s) open longer than ${minutes(facts.longTransactionThresholdSeconds)}: DMS waits for them before loading, and they keep WAL`,
        found: listSome(xs, (x) => `pid ${x.pid}: ${x.user ?? "?"}@${x.database ?? "?"} (${x.applicationName || "no application name"}), ${x.state ?? "?"}, open ${minutes(x.transactionSeconds)}`),
        fix: "Let them finish or end them before the migration starts:\n" + listSome(xs, (x) => `SELECT pg_terminate_backend(${x.pid});`),
      },
    ];
  },
};

const preparedTransactions: PreflightCheck = {
  id: "activity.prepared_transactions",
  title: "no prepared (two-phase) transactions",
  run(facts) {
    const xs = facts.preparedTransactions;
    if (xs.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "warning",
        title: `${xs.length} prepared transaction(s): DMS does not support two-phase commit, and they hold WAL and vacuum back`,
        found: listSome(xs, (x) => `${quoteLiteral(x.gid)} in ${x.database} by ${x.owner}, prepared ${minutes(x.ageSeconds)} ago`),
        fix: "Commit or roll back each one (as its owner, in its database):\n" + listSome(xs, (x) => `COMMIT PREPARED ${quoteLiteral(x.gid)};   -- or: ROLLBACK PREPARED ${quoteLiteral(x.gid)};`),
      },
    ];
  },
};

const retained = (s: SlotFact): string => (s.retainedBytes === null ? "WAL held: unknown" : `holds ${formatBytes(s.retainedBytes)} of WAL`);

const slots: PreflightCheck = {
  id: "slots.inactive",
  title: "no inactive replication slots",
  run(facts) {
    const inactive = facts.slots.filter((s) => !s.active);
    const active = facts.slots.filter((s) => s.active);
    const describe = (s: SlotFact): string =>
      `${s.name} (${s.slotType}${s.plugin ? `, ${s.plugin}` : ""}${s.database ? `, database ${s.database}` : ""}): ${retained(s)}${s.walStatus === "lost" ? ", WAL already lost" : ""}`;
    const findings = [];
    if (inactive.length) {
      findings.push({
        check: this.id,
        severity: "warning" as const,
        title: `${inactive.length} inactive replication slot(s) keep WAL on disk and take slots DMS needs`,
        found: listSome(inactive, describe),
        fix: "If nothing uses them any more (an old replica or an earlier DMS task), drop them:\n" + listSome(inactive, (s) => `SELECT pg_drop_replication_slot(${quoteLiteral(s.name)});`),
      });
    }
    if (active.length) {
      findings.push({
        check: "slots.active",
        severity: "info" as const,
        title: `${active.length} replication slot(s) in use by other consumers`,
        found: listSome(active, describe),
      });
    }
    return findings;
  },
};

export const activityChecks: readonly PreflightCheck[] = [longTransactions, preparedTransactions, slots];
