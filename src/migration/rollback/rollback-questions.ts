import type { Prompter } from "../../ui/prompter.js";

/** Question ids of `aurora-migrate rollback` (keys in --config and the state's answers: never rename one). */
export const RQ = {
  maxLatency: "rollback.maxLatencySeconds",
  switchBackHook: "rollback.switchBackHook",
  confirmFreeze: "rollback.confirmFreeze",
  switchBackHappened: "rollback.switchBackHappened",
} as const;

export async function askRollbackLatency(p: Prompter): Promise<number> {
  return p.number({
    id: RQ.maxLatency,
    message: "Highest CDC latency (seconds) of the reverse task at which the rollback may start",
    help: "Aurora stays frozen until the old server has every write, so a low latency means a short freeze",
    default: 10,
    min: 0,
  });
}

export async function askSwitchBackHook(p: Prompter): Promise<string> {
  return p.text({
    id: "rollback.switchBackHook",
    message: "Switch-back command: points the app at the old server again (e.g. restore its DATABASE_URL and restart it)",
    help: "runs with /bin/sh -c and the old server's connection in DATABASE_URL/PG*; a non-zero exit puts everything back as it was",
    validate: (v) => (v.trim() ? undefined : "a command is needed"),
  });
}

/** After a crash while the switch-back command ran: one answer per crashed switch-back. */
export async function askSwitchBackHappened(p: Prompter): Promise<boolean> {
  return p.confirm({ id: "rollback.switchBackHappened", message: "Is the app now using the old server (did the switch-back command do its work)?", default: false });
}
