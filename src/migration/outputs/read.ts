import type { z } from "zod";
import { AppError, ExitCode, UsageError } from "../../core/errors.js";
import type { MigrationState } from "../../state/schema.js";
import { OUTPUTS, type Output, type OutputId, type OutputInput, isOutputId } from "./registry.js";

/**
 * The one way to read and write `state.outputs`: every entry is checked against its schema in
 * the registry. An entry of the wrong shape (a file edited by hand, or written by another tool)
 * is a UsageError (exit 2) naming the step and the file, never a crash further on.
 */
export interface OutputPlace {
  state: MigrationState;
  /** Named in the messages when known. */
  options?: { statePath?: string };
}

function where(place: OutputPlace): string {
  return place.options?.statePath ? `the state file ${place.options.statePath}` : "the state file";
}

function issues(error: z.ZodError): string[] {
  return error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join(".") : "(the entry)"}: ${i.message}`);
}

function foreignOutput(place: OutputPlace, id: OutputId, error: z.ZodError): UsageError {
  const step = OUTPUTS[id].writtenBy;
  return new UsageError(`The output of step "${step}" (outputs["${id}"]) in ${where(place)} is not what this version of aurora-migrate wrote.`, {
    details: issues(error),
    hint: "The file was edited, or written by another tool. Restore it from a backup (or put the entry back as it was), or start a new migration with another --state. The file was left untouched.",
  });
}

function parse<K extends OutputId>(place: OutputPlace, id: K, value: unknown): Output<K> {
  const parsed = OUTPUTS[id].schema.safeParse(value);
  if (!parsed.success) throw foreignOutput(place, id, parsed.error);
  return parsed.data as Output<K>;
}

/** The recorded entry (defaults filled in), or undefined when its step has not recorded it yet. */
export function readOutput<K extends OutputId>(place: OutputPlace, id: K): Output<K> | undefined {
  const value = place.state.outputs[id];
  return value === undefined ? undefined : parse(place, id, value);
}

/** The recorded entry, or a UsageError saying the earlier step must run first. */
export function requireOutput<K extends OutputId>(place: OutputPlace, id: K, what: string): Output<K> {
  const value = readOutput(place, id);
  if (value === undefined) {
    throw new UsageError(`${what} is not recorded yet (step "${OUTPUTS[id].writtenBy}").`, { hint: "Resume the wizard so the earlier steps run first." });
  }
  return value;
}

/** Records an entry; a value its own schema refuses is a bug of ours (exit 1), caught before it is saved. */
export function writeOutput<K extends OutputId>(place: OutputPlace, id: K, value: OutputInput<K>): void {
  const parsed = OUTPUTS[id].schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError(`Internal error: step "${OUTPUTS[id].writtenBy}" produced an output (outputs["${id}"]) its schema refuses; it was not recorded.`, ExitCode.failed, {
      details: issues(parsed.error),
      hint: "Please report this with the command you ran.",
    });
  }
  place.state.outputs[id] = value;
}

/** Entries already checked in this process: handed back as they are, so every caller shares one object. */
const checked = new WeakSet<object>();

/**
 * An entry its step updates as it goes (the full load's progress, the cutover's record,
 * cleanup's): the recorded one, checked once, or `empty` stored in its place. Callers mutate
 * the object handed back and save.
 */
export function mutableOutput<K extends OutputId>(place: OutputPlace, id: K, empty: () => Output<K>): Output<K> {
  const existing = place.state.outputs[id];
  if (typeof existing === "object" && existing !== null && checked.has(existing)) return existing as Output<K>;
  const value = existing === undefined ? empty() : parse(place, id, existing);
  place.state.outputs[id] = value;
  checked.add(value);
  return value;
}

/** Checks every recorded entry when a state file is opened, so a foreign one stops the command before it starts. */
export function checkRecordedOutputs(state: MigrationState, statePath: string): void {
  for (const [id, value] of Object.entries(state.outputs)) {
    if (isOutputId(id) && value !== undefined) parse({ state, options: { statePath } }, id, value);
  }
}
