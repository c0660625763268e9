/** What the per-service fakes share: AWS's answer shapes without the fakes' bookkeeping. */

/** How many Describe calls a resource stays in its transitional state. */
export const SETTLE = 2;

export function filterValues(filters: { Name: string | undefined; Values: string[] | undefined }[] | undefined, name: string): string[] | undefined {
  return filters?.find((f) => f.Name === name)?.Values;
}

/** A copy without the fake's bookkeeping fields, as AWS would answer. */
export function strip<T extends object>(o: T): T {
  const copy = { ...o } as Record<string, unknown>;
  delete copy["describes"];
  delete copy["phase"];
  return copy as T;
}
