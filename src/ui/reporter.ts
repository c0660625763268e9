import { Chalk, type ChalkInstance } from "chalk";
import type { Options as OraOptions, Ora } from "ora";
import { type TerminalStream, canAnimate, saneWidth } from "./live-line.js";

/**
 * A live line for long waits. It animates only on a terminal of a usable width; elsewhere it
 * says what started, then a progress line at most every 15 s, then the outcome.
 */
export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

/**
 * Runs `work` while `spinner` turns: if it fails, the spinner fails (with `failText`, else its
 * own text) and the error goes on unchanged. Success is the caller's to word.
 */
export async function failingSpinner<T>(spinner: Spinner, work: () => Promise<T>, failText?: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    spinner.fail(failText);
    throw err;
  }
}

/**
 * Everything the tool tells the person goes through here. Human text goes to stderr when
 * `--json` is on, so stdout holds only the machine-readable result.
 */
export interface Reporter {
  readonly color: ChalkInstance;
  heading(text: string): void;
  info(text: string): void;
  success(text: string): void;
  warn(text: string): void;
  error(text: string): void;
  /** Shown only with --verbose. */
  detail(text: string): void;
  spinner(text: string): Spinner;
  /**
   * The machine-readable result of a command (only in --json mode): it becomes the `result` of
   * the one envelope the CLI writes on stdout when the command ends (ui/json-envelope.ts); a
   * later call replaces an earlier one.
   */
  json(value: unknown): void;
  readonly jsonMode: boolean;
}

export interface ConsoleReporterOptions {
  stdout: TerminalStream;
  stderr: TerminalStream;
  /** Colour on (decided by the caller from --no-color, NO_COLOR and the human stream's TTY); the spinner follows it. */
  color: boolean;
  verbose: boolean;
  json: boolean;
  /** Takes the result under --json (the CLI's envelope); without it json() writes the value to stdout at once. */
  onJson?: (value: unknown) => void;
  /**
   * ora's factory, loaded by the caller only when the human stream can show a live line
   * (`spinnerFactoryFor`): ora costs ~30 ms to import, which `status` and piped runs need not pay.
   * Without it spinners are plain lines.
   */
  ora?: (options: OraOptions) => Ora;
}

/** ora's factory when `stream` can show a live line, else undefined (nothing imported). */
export async function spinnerFactoryFor(stream: TerminalStream): Promise<((options: OraOptions) => Ora) | undefined> {
  return canAnimate(stream) ? (await import("ora")).default : undefined;
}

export class ConsoleReporter implements Reporter {
  readonly color: ChalkInstance;
  readonly jsonMode: boolean;
  private readonly human: TerminalStream;
  /** The spinner on screen, if any: every line printed meanwhile clears it first and redraws it after. */
  private live: Ora | undefined;

  constructor(private readonly options: ConsoleReporterOptions) {
    this.color = new Chalk({ level: options.color ? 1 : 0 });
    this.jsonMode = options.json;
    this.human = options.json ? options.stderr : options.stdout;
  }

  private line(text: string): void {
    this.write(this.human, text + "\n");
  }

  /** Writes whole lines; a spinner on screen is cleared first (else the text glues onto its frame) and redrawn below. */
  private write(stream: NodeJS.WritableStream, text: string): void {
    const live = this.live;
    live?.clear();
    stream.write(text);
    live?.render();
  }

  heading(text: string): void {
    this.line("\n" + this.color.bold(text));
  }
  info(text: string): void {
    this.line(text);
  }
  success(text: string): void {
    this.line(this.color.green("✔ ") + text);
  }
  warn(text: string): void {
    this.line(this.color.yellow("! ") + text);
  }
  error(text: string): void {
    this.write(this.options.stderr, this.color.red("✖ ") + text + "\n");
  }
  detail(text: string): void {
    if (this.options.verbose) this.line(this.color.dim(text));
  }
  json(value: unknown): void {
    if (!this.jsonMode) return;
    if (this.options.onJson) this.options.onJson(value);
    else this.options.stdout.write(JSON.stringify(value, null, 2) + "\n");
  }

  spinner(text: string): Spinner {
    const ora = this.options.ora;
    if (!ora || !canAnimate(this.human)) {
      // No live line in logs: say what started, then a progress line at most every 15 s.
      let last = text;
      let printedAt = Date.now();
      this.line(`… ${text}`);
      return {
        update: (t) => {
          if (t !== last && Date.now() - printedAt >= 15_000) {
            this.line(`… ${t}`);
            printedAt = Date.now();
          }
          last = t;
        },
        succeed: (t) => this.success(t ?? last),
        fail: (t) => this.error(t ?? last),
        stop: () => undefined,
      };
    }
    // One live line at a time: a second spinner ends the first.
    this.live?.stop();
    const s = ora({ text, stream: saneWidth(this.human), color: this.options.color ? "cyan" : false, isEnabled: true }).start();
    this.live = s;
    const end = (persist?: { symbol: string; text: string }): void => {
      if (this.live === s) this.live = undefined;
      if (persist) s.stopAndPersist(persist);
      else s.stop();
    };
    return {
      update: (t) => {
        if (s.isSpinning) s.text = t;
      },
      succeed: (t) => end({ symbol: this.color.green("✔"), text: t ?? s.text }),
      fail: (t) => end({ symbol: this.color.red("✖"), text: t ?? s.text }),
      stop: () => end(),
    };
  }
}

/** Collects everything said, for tests and for embedding. */
export class MemoryReporter implements Reporter {
  readonly color: ChalkInstance = new Chalk({ level: 0 });
  readonly lines: string[] = [];
  readonly jsonValues: unknown[] = [];
  constructor(
    readonly jsonMode = false,
    private readonly verbose = false,
  ) {}

  heading(text: string): void {
    this.lines.push(text);
  }
  info(text: string): void {
    this.lines.push(text);
  }
  success(text: string): void {
    this.lines.push(`✔ ${text}`);
  }
  warn(text: string): void {
    this.lines.push(`! ${text}`);
  }
  error(text: string): void {
    this.lines.push(`✖ ${text}`);
  }
  detail(text: string): void {
    if (this.verbose) this.lines.push(text);
  }
  json(value: unknown): void {
    this.jsonValues.push(value);
  }
  spinner(text: string): Spinner {
    let last = text;
    return {
      update: (t) => {
        last = t;
      },
      succeed: (t) => this.success(t ?? last),
      fail: (t) => this.error(t ?? last),
      stop: () => undefined,
    };
  }
  get text(): string {
    return this.lines.join("\n");
  }
}
