import type { Finding } from "../../state/schema.js";
import { formatBytes, readableName } from "../sql-text.js";
import { type PreflightCheck, settingFix } from "./check.js";
import type { SettingFact, SourceFacts } from "./facts.js";

/**
 * Server settings DMS's CDC needs (docs/dms-notes.md §2). Each finding says whether its
 * fix needs a restart (pg_settings.context = postmaster) or only a reload.
 */

/** DMS uses one slot and one walsender per task; one more leaves room to recreate a task. */
const DMS_NEEDS = 1;
const HEADROOM = 1;

function pendingNote(s: SettingFact): string {
  return s.pendingRestart ? " (a changed value is already waiting for a restart)" : "";
}

function found(name: string, s: SettingFact): string {
  return `${name} = ${s.setting}${s.unit && s.unit !== "8kB" ? ` ${s.unit}` : ""}${pendingNote(s)}`;
}

const walLevel: PreflightCheck = {
  id: "settings.wal_level",
  title: "wal_level = logical",
  run(facts) {
    const s = facts.settings["wal_level"];
    if (!s || s.setting === "logical") return [];
    return [
      {
        check: this.id,
        severity: "blocker",
        title: `wal_level is ${s.setting}; DMS change capture needs logical`,
        found: found("wal_level", s),
        ...settingFix("wal_level", "logical", s.context),
      },
    ];
  },
};

/** Free capacity of a server-wide pool (slots, walsenders) against what DMS needs. */
function capacity(id: string, name: string, what: string, facts: SourceFacts, inUse: number): Finding[] {
  const s = facts.settings[name];
  if (!s) return [];
  const max = Number(s.setting);
  const free = max - inUse;
  if (free >= DMS_NEEDS + HEADROOM) return [];
  const wanted = Math.max(10, inUse + DMS_NEEDS + HEADROOM);
  const blocker = free < DMS_NEEDS;
  return [
    {
      check: id,
      severity: blocker ? "blocker" : "warning",
      title: blocker
        ? `No free ${what}: DMS needs one per task`
        : `Only ${free} free ${what}: enough for one DMS task, none to spare if the task must be recreated`,
      found: `${name} = ${max}, ${inUse} in use, ${Math.max(free, 0)} free${pendingNote(s)}`,
      ...settingFix(name, String(wanted), s.context),
    },
  ];
}

const replicationSlots: PreflightCheck = {
  id: "settings.max_replication_slots",
  title: "a free replication slot for DMS",
  run(facts) {
    return capacity(this.id, "max_replication_slots", "replication slot(s)", facts, facts.slots.length);
  },
};

const walSenders: PreflightCheck = {
  id: "settings.max_wal_senders",
  title: "a free WAL sender for DMS",
  run(facts) {
    return capacity(this.id, "max_wal_senders", "WAL sender(s)", facts, facts.walSendersInUse);
  },
};

const walSenderTimeout: PreflightCheck = {
  id: "settings.wal_sender_timeout",
  title: "wal_sender_timeout is 0 or at least 10 s",
  run(facts) {
    const s = facts.settings["wal_sender_timeout"];
    if (!s) return [];
    const ms = Number(s.setting);
    if (ms === 0 || (ms >= 10_000 && ms <= 300_000)) return [];
    if (ms < 10_000) {
      return [
        {
          check: this.id,
          severity: "blocker",
          title: "wal_sender_timeout is below 10 s: DMS's replication connection fails",
          found: found("wal_sender_timeout", s),
          ...settingFix("wal_sender_timeout", "60s", s.context),
        },
      ];
    }
    return [
      {
        check: this.id,
        severity: "warning",
        title: "wal_sender_timeout is over 5 minutes: a failover of a Multi-AZ replication instance waits that long",
        found: found("wal_sender_timeout", s),
        ...settingFix("wal_sender_timeout", "60s", s.context),
      },
    ];
  },
};

const slotWalKeepSize: PreflightCheck = {
  id: "settings.max_slot_wal_keep_size",
  title: "max_slot_wal_keep_size leaves room for the migration",
  run(facts) {
    const s = facts.settings["max_slot_wal_keep_size"];
    if (!s) return [];
    const mb = Number(s.setting);
    // Room for the WAL written while the full load copies the database: its size, twice over.
    const suggestedGb = Math.max(1, Math.ceil((2 * facts.databaseSizeBytes) / 1024 ** 3));
    const fix = settingFix("max_slot_wal_keep_size", `${suggestedGb}GB`, s.context);
    if (mb === -1) {
      return [
        {
          check: this.id,
          severity: "warning",
          title: "max_slot_wal_keep_size is unlimited: a stalled DMS slot keeps WAL until the disk is full",
          found: `max_slot_wal_keep_size = -1 (unlimited)${pendingNote(s)}`,
          fix: `Watch free disk space during the migration (cleanup drops the slot), or cap what a slot may hold:\n${fix.fix}`,
          restartNeeded: fix.restartNeeded,
        },
      ];
    }
    if (mb * 1024 ** 2 >= facts.databaseSizeBytes) return [];
    return [
      {
        check: this.id,
        severity: "warning",
        title: "max_slot_wal_keep_size is smaller than the database: the DMS slot may be invalidated mid-migration",
        found: `${found("max_slot_wal_keep_size", s)}; database size ${formatBytes(facts.databaseSizeBytes)}`,
        ...fix,
      },
    ];
  },
};

const decodingWorkMem: PreflightCheck = {
  id: "settings.logical_decoding_work_mem",
  title: "logical_decoding_work_mem at least 64 MB",
  run(facts) {
    const s = facts.settings["logical_decoding_work_mem"];
    if (!s) return [];
    const kb = Number(s.setting);
    if (kb >= 64 * 1024) return [];
    return [
      {
        check: this.id,
        severity: "warning",
        title: "logical_decoding_work_mem is below its 64 MB default: large transactions spill to disk and slow change capture",
        found: `logical_decoding_work_mem = ${formatBytes(kb * 1024)}${pendingNote(s)}`,
        ...settingFix("logical_decoding_work_mem", "64MB", s.context),
      },
    ];
  },
};

const idleInTransaction: PreflightCheck = {
  id: "settings.idle_in_transaction_session_timeout",
  title: "idle_in_transaction_session_timeout does not end DMS's sessions",
  run(facts) {
    const s = facts.settings["idle_in_transaction_session_timeout"];
    if (!s || Number(s.setting) === 0) return [];
    return [
      {
        check: this.id,
        severity: "warning",
        title: "idle_in_transaction_session_timeout may end DMS's idle transactions and fail the task",
        found: found("idle_in_transaction_session_timeout", s),
        fix: `Turn it off for the login DMS uses (the rest of the server keeps it):\nALTER ROLE ${readableName(facts.login.name)} SET idle_in_transaction_session_timeout = 0;`,
        restartNeeded: false,
      },
    ];
  },
};

export const settingsChecks: readonly PreflightCheck[] = [
  walLevel,
  replicationSlots,
  walSenders,
  walSenderTimeout,
  slotWalKeepSize,
  decodingWorkMem,
  idleInTransaction,
];
