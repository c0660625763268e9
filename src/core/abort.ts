/** Waiting that answers Ctrl-C at once. */

/** Stops waiting for `work` as soon as the signal aborts, so Ctrl-C is answered at once. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => undefined);
      reject(abortError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** The one error an interrupted wait or command throws (Ctrl-C): `isAbort` in errors.ts knows it by its name (so do DOMException aborts). */
export function abortError(message = "Interrupted"): Error {
  const e = new Error(message);
  e.name = "AbortError";
  return e;
}
