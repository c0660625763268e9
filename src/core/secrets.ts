/**
 * Passwords and tokens for the life of this process only. Nothing here is ever written to
 * the state file, a log or --json output.
 */
export class Secrets {
  private readonly values = new Map<string, string>();

  get(key: string): string | undefined {
    return this.values.get(key);
  }
  set(key: string, value: string): void {
    this.values.set(key, value);
  }
  /** Replaces every known secret in `text` with ***, for messages that might echo one. */
  redact(text: string): string {
    let out = text;
    for (const v of this.values.values()) {
      if (v.length >= 3) out = out.split(v).join("***");
    }
    return out;
  }
}

/** `postgres://user:***@host/db`: for messages that show a URL a user typed. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, "$1***@");
}
