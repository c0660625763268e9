import { expect } from "vitest";
import type { EnvelopeError, JsonEnvelope } from "../../src/ui/json-envelope.js";

/**
 * The one document a `--json` run put on stdout, checked against the envelope's contract:
 * exactly one JSON document, naming the command, `ok` exactly when the exit code is 0, the
 * process's own exit code, and `error` (with a message) exactly when it failed.
 */
export function envelopeIn<T = unknown>(stdout: string, expected: { command: string; exitCode: number | null }): JsonEnvelope & { result: T; error?: EnvelopeError } {
  let doc: JsonEnvelope;
  try {
    doc = JSON.parse(stdout) as JsonEnvelope;
  } catch (err) {
    throw new Error(`stdout is not one JSON document (${String(err)}):\n${stdout}`);
  }
  expect(doc.command).toBe(expected.command);
  expect(doc.exitCode).toBe(expected.exitCode);
  expect(doc.ok).toBe(expected.exitCode === 0);
  if (doc.ok) {
    expect(doc).toHaveProperty("result");
    expect(doc.error).toBeUndefined();
  } else {
    expect(typeof doc.error?.message).toBe("string");
    expect(doc.error?.message.length).toBeGreaterThan(0);
  }
  return doc as JsonEnvelope & { result: T };
}
