import { type OutputPlace, mutableOutput, readOutput } from "../outputs/read.js";
import type { RollbackWindowOutput } from "./record.js";

/** The recorded rollback window, an empty one stored in the state when there is none; callers mutate it and save. */
export function rollbackWindowOutput(place: OutputPlace): RollbackWindowOutput {
  return mutableOutput(place, "rollback-window", () => ({}));
}

/** Whether a window is open now: the reverse task was started and neither `rollback` nor `finish` ended it. */
export function rollbackWindowOpen(place: OutputPlace): boolean {
  const w = readOutput(place, "rollback-window");
  return Boolean(w?.openedAt) && !w?.finishedAt && w?.rollback?.outcome !== "switched-back";
}
