import pg from "pg";
import { type GatherOptions, type GatheredFacts, gatherSourceFacts } from "../../src/adapters/postgres/source-facts/index.js";
import { type PreflightOptions, type PreflightResult, runPreflight } from "../../src/plan/preflight/index.js";
import type { Finding } from "../../src/state/schema.js";

/** Facts gathered from a real server through the product's own code, and the checks' verdict. */
export async function preflightOf(url: string, gather: GatherOptions = {}, options: PreflightOptions = {}): Promise<GatheredFacts & { result: PreflightResult }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const gathered = await gatherSourceFacts(client, gather);
    return { ...gathered, result: runPreflight(gathered.facts, options) };
  } finally {
    await client.end();
  }
}

/** The findings of one check id. */
export function findingsOf(result: PreflightResult, check: string): Finding[] {
  return result.findings.filter((f) => f.check === check);
}
