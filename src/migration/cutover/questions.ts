import type { Prompter } from "../../ui/prompter.js";
import type { FreezeFacts } from "./freeze-plan.js";
import type { VerifyMode } from "./record.js";
import { defaultFreezeRoles, freezableRoles } from "./freeze-plan.js";

/** Question ids of the cutover (keys in --config and the state's answers: a rename needs a state upgrade, see ui/renamed-ids.ts). */
export const Q = {
  maxLatency: "cutover.maxLatencySeconds",
  skipRowCounts: "cutover.skipRowCounts",
  freezeMethod: "cutover.freezeMethod",
  freezeRoles: "cutover.freezeRoles",
  freezeHook: "cutover.freezeHook",
  unfreezeHook: "cutover.unfreezeHook",
  switchHook: "cutover.switchHook",
  drainTimeout: "cutover.drainTimeoutSeconds",
  confirmFreeze: "cutover.confirmFreeze",
  verify: "cutover.verify",
  hookTimeout: "cutover.hookTimeoutSeconds",
  switchHappened: "cutover.switchHappened",
} as const;

export type FreezeMethod = "roles" | "hook" | "none";

export async function askPreconditions(p: Prompter): Promise<{ maxLatencySeconds: number; skipRowCounts: boolean }> {
  const maxLatencySeconds = await p.number({
    id: Q.maxLatency,
    message: "Highest CDC latency (seconds) at which the cutover may start",
    help: "writes stay frozen until DMS has caught up, so a low latency means a short freeze",
    default: 10,
    min: 0,
  });
  const skipRowCounts = await p.confirm({
    id: Q.skipRowCounts,
    message: "Skip the row-count check before the freeze (and, by default, the check after the switch)?",
    help: "only when you validated another way (--skip-validation)",
    default: false,
  });
  return { maxLatencySeconds, skipRowCounts };
}

export async function askFreezeMethod(p: Prompter): Promise<FreezeMethod> {
  return p.select<FreezeMethod>({
    id: Q.freezeMethod,
    message: "How should writes on the source be frozen during the switch?",
    choices: [
      { value: "roles", name: "Take the app's roles' access away (REVOKE CONNECT / NOLOGIN), end their sessions, set default_transaction_read_only; undone exactly on failure" },
      { value: "hook", name: "Run my own freeze command (e.g. pause the pooler), and my unfreeze command to undo it" },
      { value: "none", name: "No freeze (writes made during the switch may be lost)" },
    ],
    default: "roles",
  });
}

export async function askFreezeRoles(p: Prompter, facts: FreezeFacts): Promise<string[]> {
  const roles = freezableRoles(facts);
  return p.multiSelect({
    id: Q.freezeRoles,
    message: `Which roles does the app use on ${facts.database}? They lose write access during the switch`,
    help: "by default every role that can log in and connect, except superusers, REPLICATION roles (DMS) and the tool's own login",
    choices: roles.map((r) => ({
      value: r.name,
      name: r.name,
      description: [r.superuser ? "superuser" : "", r.replication ? "REPLICATION (DMS?)" : "", r.canConnect ? "" : "cannot connect"].filter(Boolean).join(", "),
    })),
    default: defaultFreezeRoles(facts),
  });
}

export async function askFreezeHooks(p: Prompter): Promise<{ freezeHook: string; unfreezeHook: string }> {
  const nonEmpty = (v: string): string | undefined => (v.trim() ? undefined : "a command is needed");
  const freezeHook = await p.text({
    id: Q.freezeHook,
    message: "Freeze command (stops the app's writes to the source)",
    help: "runs with /bin/sh -c and the source's connection in DATABASE_URL/PG*, e.g. psql -p 6432 pgbouncer -c 'PAUSE app'",
    validate: nonEmpty,
  });
  const unfreezeHook = await p.text({
    id: Q.unfreezeHook,
    message: "Unfreeze command (undoes the freeze if the cutover fails)",
    help: "e.g. psql -p 6432 pgbouncer -c 'RESUME app'",
    validate: nonEmpty,
  });
  return { freezeHook, unfreezeHook };
}

export async function askSwitch(p: Prompter): Promise<{ switchHook: string; drainTimeoutSeconds: number }> {
  const switchHook = await p.text({
    id: Q.switchHook,
    message: "Switch command: points the app at the target (e.g. update its DATABASE_URL and restart it)",
    help: "runs with /bin/sh -c and the target's connection in DATABASE_URL/PG*; a non-zero exit rolls the cutover back",
    validate: (v) => (v.trim() ? undefined : "a command is needed"),
  });
  const drainTimeoutSeconds = await p.number({
    id: Q.drainTimeout,
    message: "How long to wait for the target to have every write (seconds) before rolling back",
    default: 600,
    min: 1,
  });
  return { switchHook, drainTimeoutSeconds };
}

export async function askVerify(p: Prompter, skipRowCounts: boolean): Promise<VerifyMode> {
  return p.select<VerifyMode>({
    id: Q.verify,
    message: "After the switch, compare the frozen source with the target as it was at the drain",
    help: "runs after the app is on the target, outside the write window; any difference is reported with exit code 3 and the way back",
    choices: [
      { value: "counts", name: "Exact row counts of every table" },
      { value: "checksum", name: "Row counts and a checksum of every table's content (reads every row: slower, still outside the window)" },
      { value: "none", name: "No comparison (--skip-validation)" },
    ],
    default: skipRowCounts ? "none" : "counts",
  });
}

export async function askHookTimeout(p: Prompter): Promise<number> {
  return p.number({
    id: Q.hookTimeout,
    message: "Longest a freeze, unfreeze or switch command may run (seconds) before it is ended",
    help: "its whole process group is ended; before the switch the freeze is then lifted",
    default: 300,
    min: 1,
  });
}
