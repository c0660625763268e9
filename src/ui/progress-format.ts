/**
 * Pure pieces of the live progress lines: a text bar, compact counts and durations. No colour
 * and no terminal codes, so the same text serves a spinner, a log line and a test.
 */

/** `[██████░░░░]` for 0.6 at width 10; the fraction is clamped to 0–1, NaN counts as 0. */
export function textBar(fraction: number, width = 20): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.floor(f * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`;
}

/** 950, 38k, 1.2M, 3.4G: three significant figures at most, for rows and rates. */
export function compactCount(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "?";
  const units: [number, string][] = [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [size, suffix] of units) {
    if (n >= size * 0.9995) {
      const v = n / size;
      return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, "")}${suffix}`;
    }
  }
  return String(Math.round(n));
}

/** 21 s, 4 min 10 s, 2 h 05 min, 3 d 4 h: at most two units, rounded up to the second. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
