import type { Step } from "../runner.js";
import { NotBuiltError } from "../errors.js";

/** Step 2: placeholder until the preflight lands (replaced in the same issue). */
export const sourcePreflightStep: Step = {
  id: "source-preflight",
  title: "Source preflight",
  run: () => Promise.reject(new NotBuiltError("The source preflight")),
};
