import type { Answer } from "../../src/state/schema.js";
import { sharedServerInfo } from "./databases.js";

/**
 * The fake AWS hands back an invented Aurora endpoint nothing answers at, and step 3 checks
 * that the tool reaches Aurora before anything for DMS is created. Tests of the AWS steps
 * therefore reach "Aurora" as a user with a tunnel would: `target.url` pointing at a real
 * server (the shared target's `postgres` database; TLS offered, so libpq's prefer encrypts).
 */
export function reachableAuroraAnswers(): Record<string, Answer> {
  return { "target.url": `postgres://postgres@127.0.0.1:${sharedServerInfo("target").port}/postgres` };
}
