import { NotBuiltError } from "../errors.js";
import type { Step } from "../runner.js";

/** A wizard step whose issue has not landed: it stops the wizard honestly, changing nothing. */
export function notBuiltStep(id: string, title: string): Step {
  return {
    id,
    title,
    run: () => Promise.reject(new NotBuiltError(`The "${title}" step`)),
  };
}
