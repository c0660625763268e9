import { UsageError } from "../errors.js";
import { STATE_VERSION } from "./schema.js";

type Upgrade = (raw: Record<string, unknown>) => Record<string, unknown>;

/** `UPGRADES[n]` turns a version-n document into version n+1. None yet: version 1 is the first. */
const UPGRADES: Record<number, Upgrade> = {};

/** Brings an older document up to STATE_VERSION; refuses newer ones. Does not touch the file. */
export function upgradeState(raw: Record<string, unknown>, path: string): Record<string, unknown> {
  const version = raw["version"];
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    throw new UsageError(`The state file ${path} has no valid "version" field, so it is not one aurora-migrate wrote.`, {
      hint: "Check the --state path. The file was left untouched.",
    });
  }
  if (version > STATE_VERSION) {
    throw new UsageError(
      `The state file ${path} was written by a newer aurora-migrate (state version ${version}; this one reads up to ${STATE_VERSION}).`,
      { hint: "Upgrade aurora-migrate (npm install -g aurora-migrate@latest) and run the command again. The file was left untouched." },
    );
  }
  let doc = raw;
  for (let v = version; v < STATE_VERSION; v++) {
    const step = UPGRADES[v];
    if (!step) throw new UsageError(`No upgrade from state version ${v} exists.`, { hint: "The file was left untouched." });
    doc = step(doc);
  }
  return doc;
}
