/**
 * DMS object-locator patterns (docs/dms-notes.md §12): `%` matches any run of
 * characters, `_` exactly one character, `[_]` a literal underscore, `[ab]` / `[a-d]` one
 * character of a set; matching is case-sensitive. Shared by the tool's mappings (to check a
 * stored task) and the local stand-in (to select tables).
 */
const patternCache = new Map<string, RegExp>();

/** DMS's LIKE-style pattern as an anchored regular expression. */
function patternToRegExp(pattern: string): RegExp {
  const cached = patternCache.get(pattern);
  if (cached) return cached;
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "%") out += "[\\s\\S]*";
    else if (ch === "_") out += "[\\s\\S]";
    else if (ch === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close === -1) {
        out += "\\[";
        continue;
      }
      const body = pattern.slice(i + 1, close);
      // Inside a set everything is literal except a range dash between two characters.
      const escaped = body.replace(/[\\\]^[]/g, (c) => `\\${c}`);
      out += `[${escaped}]`;
      i = close;
    } else out += ch.replace(/[.*+?^${}()|\\/\]]/g, (c) => `\\${c}`);
  }
  const re = new RegExp(`^${out}$`, "u");
  patternCache.set(pattern, re);
  return re;
}

/** True when `name` matches a DMS object-locator pattern (case-sensitive). */
export function matchesPattern(pattern: string, name: string): boolean {
  return patternToRegExp(pattern).test(name);
}
