/**
 * When a spinner may animate. ora redraws by moving the cursor up over the lines its text
 * wraps to, counted as `width / columns`: a terminal reporting 0 columns (`script` started from
 * a non-terminal, some CI and container wrappers) makes that Infinity, and ora loops forever
 * writing cursor-up codes, deaf to signals. So: a TTY at least MIN_LIVE_COLUMNS wide, else plain
 * lines; and the stream ora gets never reports fewer columns than that, even if resized later.
 */

export type TerminalStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Narrower than this a live line is more noise than help. */
export const MIN_LIVE_COLUMNS = 20;

export function canAnimate(stream: TerminalStream): boolean {
  return stream.isTTY === true && typeof stream.columns === "number" && stream.columns >= MIN_LIVE_COLUMNS;
}

/** The same stream, its `columns` never under MIN_LIVE_COLUMNS (methods keep their own `this`). */
export function saneWidth(stream: TerminalStream): NodeJS.WritableStream {
  return new Proxy(stream, {
    get(target, key) {
      if (key === "columns") return Math.max(MIN_LIVE_COLUMNS, Number(target.columns) || 0);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
