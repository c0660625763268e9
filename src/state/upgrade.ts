import { UsageError } from "../core/errors.js";
import { RENAMED_IDS } from "./renamed-ids.js";
import { STATE_VERSION } from "./schema.js";

type Upgrade = (raw: Record<string, unknown>) => Record<string, unknown>;

/**
 * The keys of a record of answers (or of their history) under the new ids. A key recorded under
 * both ids (impossible from the tool itself) keeps the new id's value.
 */
function renameKeys(record: unknown): unknown {
  if (typeof record !== "object" || record === null || Array.isArray(record)) return record;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const renamed = RENAMED_IDS[key];
    if (renamed === undefined) out[key] = value;
    else if (!Object.hasOwn(record, renamed)) out[renamed] = value;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * 2 → 3: the target's location kept once, in step 3's output. A `target.url` answer step 3
 * derived from the writer endpoint (the output says the tool connects through the endpoint) is
 * dropped; one the user gave (a tunnel) stays. The cluster's resource loses its copies of the
 * endpoint and port (the output has them).
 */
function targetRecordedOnce(doc: Record<string, unknown>): Record<string, unknown> {
  const cluster = isObject(doc["outputs"]) ? doc["outputs"]["aurora-cluster"] : undefined;
  const derived = isObject(cluster) && cluster["targetVia"] === "endpoint" && isObject(cluster["target"]);
  let answers = doc["answers"];
  if (derived && isObject(answers) && Object.hasOwn(answers, "target.url")) {
    answers = Object.fromEntries(Object.entries(answers).filter(([k]) => k !== "target.url"));
  }
  let resources = doc["resources"];
  if (isObject(resources)) {
    resources = Object.fromEntries(
      Object.entries(resources).map(([key, r]) => {
        if (!isObject(r) || r["kind"] !== "aurora-cluster") return [key, r];
        const { endpoint: _endpoint, port: _port, ...rest } = r;
        return [key, rest];
      }),
    );
  }
  return { ...doc, version: 3, answers, resources };
}

/** `UPGRADES[n]` turns a version-n document into version n+1. */
const UPGRADES: Record<number, Upgrade> = {
  // 1 → 2: question ids in dotted camelCase; answers and their history move to the new ids.
  1: (doc) => ({
    ...doc,
    version: 2,
    answers: renameKeys(doc["answers"]),
    ...(doc["answerHistory"] === undefined ? {} : { answerHistory: renameKeys(doc["answerHistory"]) }),
  }),
  2: targetRecordedOnce,
};

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
