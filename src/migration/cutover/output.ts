import { type OutputPlace, mutableOutput } from "../outputs/read.js";
import type { CutoverOutput } from "./record.js";

/**
 * The recorded cutover output (`state.outputs["cutover"]`, checked once, defaults filled in),
 * an empty one stored in the state when there is none. Callers mutate it and save.
 */
export function cutoverOutput(place: OutputPlace): CutoverOutput {
  return mutableOutput(place, "cutover", () => ({}));
}
