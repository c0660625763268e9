/**
 * `aurora-migrate demo`: the whole wizard, steps 1–13, against local PostgreSQL servers and the
 * local stand-in for AWS (src/standin/aws), with the demo's app writing throughout. Everything
 * it started — servers, the app, the stand-in's engines — is stopped at the end, on failure
 * and on Ctrl-C; the state file is kept and its place printed.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectPg } from "../adapters/postgres/connect.js";
import { serverMajor } from "../adapters/postgres/sessions.js";
import { formatPgUrl, parsePgUrl, stripPassword } from "../adapters/postgres/url.js";
import { recordedLocation } from "../migration/connections.js";
import { readOutput } from "../migration/outputs/read.js";
import { readConfig } from "./config.js";
import { type Clock, systemClock } from "../core/clock.js";
import { AppLoad } from "./demo/app-load.js";
import { differenceLines, leftovers, validateAtSwitch } from "./demo/check.js";
import { CLEANUP_STEP_ID } from "../migration/cleanup/progress.js";
import { runFinishCommand } from "./finish.js";
import { runRollbackCommand } from "./rollback.js";
import type { SessionIo } from "./session.js";
import { configOverPresets, demoPresets } from "./demo/presets.js";
import { shellQuote } from "../core/shell-quote.js";
import { DemoPrompter } from "./demo/prompter.js";
import { type DemoPasswords, type DemoRecord, checkDemoServerFlags, resumedPasswords, demoDatabases, prepareDemoData, readDemoRecord, writeDemoRecord } from "./demo/setup.js";
import { AppError, InterruptedError, OperationError, UsageError, isAbort } from "../core/errors.js";
import type { GlobalOptions, Step } from "../migration/context.js";
import { findPgDump } from "../migration/schema/pg-tools.js";
import { type StandinAws, createStandinAws } from "../standin/aws/index.js";
import { commandFor, resumeCommand } from "../state/paths.js";
import { stateAnswerBook } from "../state/answers.js";
import { readState } from "../state/store.js";
import { WIZARD_STEPS } from "../wizard/steps.js";
import { AnsweringPrompter } from "../ui/prompter.js";
import type { Reporter } from "../ui/reporter.js";
import type { Terminal } from "../ui/terminal.js";
import { runWizard } from "./wizard.js";

export interface DemoCommandOptions {
  source?: string;
  target?: string;
  resume?: boolean;
  /** Orders in the demo's source; the biggest tables scale with it. Default 5,000. */
  rows?: number;
  /** The stand-in DMS pauses this long before each table of the full load (ms). Default 0. */
  fullLoadDelay?: number;
  /** False with --no-writes-after-switch: the app stops at the switch. */
  writesAfterSwitch?: boolean;
  /** How the schema reaches the target: "auto" (built-in when a fitting pg_dump is installed, else hook), "built-in" or "hook". */
  schemaMethod?: string;
  /** --rollback: keep a rollback window, let the app write on Aurora, roll back, validate the old server, then `finish`. */
  rollback?: boolean;
}

export interface DemoIo {
  reporter: Reporter;
  signal: AbortSignal;
  /** Set when a person can be asked. */
  terminal?: Terminal;
  /** Whether --state was given (else the demo keeps its state in a temp directory). */
  stateGiven: boolean;
}

/**
 * The stand-in answers in seconds where AWS takes minutes: the wizard's waits (15 s to 60 s
 * between Describe calls, to spare AWS's rate limits) shrink to at most one second.
 */
export const demoClock: Clock = {
  now: () => systemClock.now(),
  sleep: (ms, signal) => systemClock.sleep(Math.min(ms, 1000), signal),
};

function wholeNumber(value: number | string | undefined, fallback: number, flag: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${value}.`);
  return n;
}

/** The PostgreSQL major of the server at `url`. */
async function majorAt(url: string, password: string | undefined): Promise<number> {
  const c = await connectPg(parsePgUrl(url).location, password ?? parsePgUrl(url).password);
  try {
    return await serverMajor(c);
  } finally {
    await c.end();
  }
}

/** "built-in" when a pg_dump fitting the source is installed; else the hook path, which needs only Node. */
async function schemaMethod(record: DemoRecord, passwords: DemoPasswords): Promise<"built-in" | "hook"> {
  const a = record.auroraServer;
  const targetUrl = `postgres://${encodeURIComponent(a.user)}@${a.host}:${a.port}/postgres?sslmode=${a.sslmode}`;
  try {
    await findPgDump(await majorAt(record.sourceUrl, passwords.source), await majorAt(targetUrl, passwords.target));
    return "built-in";
  } catch {
    return "hook";
  }
}

export async function runDemo(g: GlobalOptions, o: DemoCommandOptions, io: DemoIo): Promise<void> {
  const { reporter } = io;
  const orders = wholeNumber(o.rows, 5000, "--rows", 10, 10_000_000);
  const tableDelayMs = wholeNumber(o.fullLoadDelay, 0, "--full-load-delay", 0, 600_000);
  if (o.resume && !io.stateGiven) throw new UsageError("demo --resume needs the --state of the demo to continue.");
  if (o.resume && o.rollback) throw new UsageError("demo --rollback runs from the start only: it cannot be resumed.", { hint: "Start a new one with `aurora-migrate demo --rollback`." });
  if (o.rollback && o.writesAfterSwitch === false) throw new UsageError("demo --rollback shows the app's writes on Aurora coming back to the old server: it does not go with --no-writes-after-switch.");
  checkDemoServerFlags(o);
  const statePath = io.stateGiven ? g.statePath : join(mkdtempSync(join(tmpdir(), "aurora-migrate-demo-")), "demo.state.json");
  const options: GlobalOptions = { ...g, statePath };
  const demoResume = commandFor("demo --resume", options);
  const stops: { what: string; stop: () => Promise<void> }[] = [];
  let ownServers = false;
  let app: AppLoad | undefined;
  let passwords: DemoPasswords = {};

  try {
    let record: DemoRecord;
    if (o.resume) {
      record = await readDemoRecord(statePath);
      if (record.ownServers) {
        throw new UsageError("This demo ran on its own throwaway servers, which stopped when it ended: there is nothing to resume.", {
          hint: `Start a new one with \`aurora-migrate demo\` (its state stays readable: ${commandFor("status", options)}).`,
        });
      }
      // Nothing at rest holds a password: a resumed demo takes it from the environment, as an app would.
      passwords = resumedPasswords(record, process.env["PGPASSWORD"]);
      if (parsePgUrl(record.sourceUrl).password !== undefined) {
        record = { ...record, sourceUrl: stripPassword(record.sourceUrl) };
        await writeDemoRecord(statePath, record);
      }
      if (record.passwordGiven && passwords.source === undefined) {
        reporter.warn("The demo's servers were given with a password, which the demo keeps in memory only: set PGPASSWORD if they ask for one.");
      }
    } else {
      reporter.heading("Setting up the demo");
      const dbs = await demoDatabases({ ...o, rollback: o.rollback === true }, (t) => reporter.info(t));
      if (dbs.servers) {
        ownServers = true;
        const servers = dbs.servers;
        stops.push({ what: "the demo's servers", stop: () => servers.stop() });
      }
      await prepareDemoData(dbs, orders);
      reporter.success(`The source has the demo's app: schema "app" (8 tables, one partitioned in 3, a shared and a CYCLE sequence, foreign keys, indexes, a trigger, a view and a materialized one, a key the app changes), about ${Math.round(orders * 5.3).toLocaleString("en")} rows.`);
      passwords = { source: parsePgUrl(dbs.sourceUrl).password, target: o.target === undefined ? undefined : parsePgUrl(o.target).password };
      record = {
        version: 1,
        sourceUrl: stripPassword(dbs.sourceUrl),
        auroraServer: dbs.auroraServer,
        ownServers,
        switchFile: `${statePath}.switch-url`,
        ...(passwords.source !== undefined || passwords.target !== undefined ? { passwordGiven: true } : {}),
      };
      await writeDemoRecord(statePath, record);
    }

    app = new AppLoad({
      sourceUrl: record.sourceUrl,
      switchFile: record.switchFile,
      afterSwitch: o.writesAfterSwitch === false ? "stop" : "hold",
      ...(passwords.source !== undefined ? { password: passwords.source } : {}),
      onEvent: (t) => reporter.info(reporter.color.dim(`  app: ${t}`)),
    });
    app.start();
    // A demo resumed after its switch was checked lets the app go on the target (unless --no-writes-after-switch).
    if (o.resume && (await readState(statePath)).steps["cutover"]?.status === "done") app.release();
    const theApp = app;
    stops.push({ what: "the demo's app", stop: () => theApp.stop() });
    reporter.info(`The demo's app writes to the source as role "app" (about 10 transactions a second) from now until the end.`);

    const standin = await createStandinAws({ statePath, auroraServer: record.auroraServer, region: g.region ?? "local-1", ...(tableDelayMs ? { tableDelayMs } : {}) });
    stops.push({ what: "the stand-in's engines", stop: () => standin.close() });

    const wanted = o.schemaMethod ?? "auto";
    if (!["auto", "built-in", "hook"].includes(wanted)) throw new UsageError(`--schema-method must be auto, built-in or hook, got ${wanted}.`);
    const method = wanted === "auto" ? await schemaMethod(record, passwords) : (wanted as "built-in" | "hook");
    const script = (name: string): string => shellQuote(fileURLToPath(new URL(`./demo/${name}`, import.meta.url)));
    const node = shellQuote(process.execPath);
    const presets = demoPresets({
      sourceUrl: record.sourceUrl,
      schemaMethod: method,
      schemaHook: `${node} ${script("apply-schema-hook.js")}`,
      switchHook: `${node} ${script("switch-app-hook.js")} ${shellQuote(record.switchFile)}`,
      rollback: o.rollback === true,
    });
    if (method === "hook") reporter.info("No pg_dump fitting the source is installed: the schema goes in through the hook method, with the demo app's own schema script.");
    const given = options.configPath ? await readConfig(options.configPath, (t) => reporter.warn(t)) : {};
    const { config: userConfig, kept } = configOverPresets(given, presets);
    if (kept.length) reporter.info(`The demo keeps its own answer to ${kept.join(", ")}: --config gives the wizard's default there (as a template does).`);
    const secrets: Record<string, string> = {
      ...(passwords.source !== undefined ? { "source.password": passwords.source } : {}),
      ...(passwords.target !== undefined ? { "target.password": passwords.target } : {}),
    };
    const terminal = io.terminal;
    const urls: SwitchUrls = {};
    // demo --rollback: the cleanup waits for `finish`, after the rollback (it refuses while the window is open).
    const steps = WIZARD_STEPS.filter((s) => !o.rollback || s.id !== CLEANUP_STEP_ID).map((s): Step => (s.id === "cutover" ? afterCutover(s, theApp, statePath, record, reporter, io.signal, urls) : s));

    reporter.heading(`The wizard, steps 1–${steps.length}, against the local stand-in for AWS`);
    const sessionIo: SessionIo = {
      reporter,
      signal: io.signal,
      clock: demoClock,
      aws: () => Promise.resolve(standin),
      prompter: (state) =>
        new DemoPrompter({
          inner: new AnsweringPrompter({
            book: stateAnswerBook(state, demoClock),
            config: userConfig,
            // Unattended, the demo's answers are taken as if typed; a recorded answer (a resumed demo) stands.
            ...(terminal ? {} : { presets }),
            ...(options.configPath ? { configPath: options.configPath } : {}),
            ...(terminal ? { terminal } : {}),
            yes: options.yes,
            reporter,
          }),
          presets,
          ...(terminal ? { terminal } : {}),
          config: userConfig,
          secrets,
          reporter,
        }),
    };
    await runWizard(options, o.resume ? "resume" : "new", sessionIo, steps).catch((err: unknown) => {
      throw demoHint(err, resumeCommand(options), ownServers ? undefined : demoResume);
    });

    if (o.rollback) {
      const { sourceUrl, targetUrl } = urls;
      if (sourceUrl === undefined || targetUrl === undefined) throw new OperationError("demo --rollback: the cutover did not run in this session, so there is nothing to roll back.");
      await rollbackAct({ options, io: sessionIo, app, standin, sourceUrl, targetUrl, statePath });
      await app.stop();
      const done = await readDemoRecord(statePath);
      await printSummary(reporter, statePath, app, done.validation, done.rollbackValidation);
      return;
    }
    if (o.writesAfterSwitch !== false && app.writingTo === "target") {
      const spinner = reporter.spinner("The app writes on the target now");
      const ok = await app.targetTransactions(20, 15_000);
      if (ok) spinner.succeed(`The app wrote ${app.stats.target.transactions} transactions on the target: the first insert into every table with a sequence went through, no id collided`);
      else spinner.fail(`The app committed only ${app.stats.target.transactions} transaction(s) on the target in 15 s`);
    }
    await app.stop();
    await printSummary(reporter, statePath, app, (await readDemoRecord(statePath)).validation);
  } catch (err) {
    if (err instanceof InterruptedError || isAbort(err)) reporter.warn(`Interrupted. The demo's state is in ${statePath}.`);
    throw err;
  } finally {
    for (const s of stops.reverse()) await s.stop().catch((e: unknown) => reporter.warn(`Could not stop ${s.what}: ${(e as Error).message}`));
    if (ownServers) reporter.info(`The demo's servers are stopped and removed. Its state stays in ${statePath} (\`${commandFor("status", options)}\`).`);
    else reporter.info(`State: ${statePath}`);
  }
}

/** The wizard's "continue with `aurora-migrate resume`" becomes the demo's own way on. */
function demoHint(err: unknown, wizardResume: string, demoResume: string | undefined): unknown {
  if (!(err instanceof AppError) || !err.hint?.includes(wizardResume)) return err;
  const instead = demoResume ?? "`aurora-migrate demo` (the demo's own servers are gone, so this one cannot be resumed)";
  return Object.assign(err, { hint: err.hint.replaceAll(wizardResume, instead) });
}

/**
 * The cutover step, followed by the demo's proof: `validate --checksum` while the source is
 * frozen and before the app writes on the target; then the app is let go on the target.
 */
function afterCutover(step: Step, app: AppLoad, statePath: string, record: DemoRecord, reporter: Reporter, signal: AbortSignal, urls: SwitchUrls): Step {
  return {
    ...step,
    async run(ctx) {
      const outcome = await step.run(ctx);
      const targetUrl = formatPgUrl(recordedLocation(ctx, "target"));
      const sourceUrl = String(ctx.state.answers["source.url"] ?? record.sourceUrl);
      Object.assign(urls, { sourceUrl, targetUrl });
      await demoValidate(reporter, sourceUrl, targetUrl, signal, {
        title: "Demo: validate --checksum of schema app (source frozen, app not yet writing on the target)",
        record: (v) => writeDemoRecord(statePath, { ...record, validation: { clean: v.clean, differences: v.differences, tables: v.tables, rows: v.rows, at: v.at } }),
        differ: (n) => `After the cutover the target differs from the source in ${n} place(s).`,
        clean: (v) => `validate --checksum: clean — ${v.tables} tables, ${v.rows.toLocaleString("en")} rows, contents and catalogs identical`,
      });
      app.release();
      return outcome;
    },
  };
}

/** The two databases, as the cutover recorded them (no password): the rollback compares them the other way round. */
interface SwitchUrls {
  sourceUrl?: string;
  targetUrl?: string;
}

/**
 * demo --rollback, after the cutover: the app writes on Aurora for a few seconds (its writes
 * flow back through the reverse task), then `aurora-migrate rollback` (the same code, with the
 * demo's switch-back hook pointing the app at the old server), `validate --checksum` with
 * Aurora as the source and the old server as the target, then `finish`, and the check that
 * nothing is left on either server or in the stand-in.
 */
async function rollbackAct(a: { options: GlobalOptions; io: SessionIo; app: AppLoad; standin: StandinAws; sourceUrl: string; targetUrl: string; statePath: string }): Promise<void> {
  const { reporter, signal } = a.io;
  const { app } = a;
  const spinner = reporter.spinner("The app writes on Aurora now; the reverse task carries every write back to the old server");
  const started = Date.now();
  await app.targetTransactions(30, 20_000);
  // A few seconds of writes at least, so the reverse task has caught up with a steady load, not a burst.
  await demoClock.sleep(Math.max(0, 4000 - (Date.now() - started)), signal);
  if (app.stats.target.transactions === 0) {
    spinner.fail("The app could not write on Aurora");
    throw new OperationError("demo --rollback: the app committed no transaction on Aurora after the switch.", { hint: "This is a bug in the tool or the stand-in: please report it with the state file." });
  }
  spinner.succeed(`The app wrote ${app.stats.target.transactions} transactions on Aurora (inserts through every table with a sequence, updates, deletes)`);

  reporter.heading("Demo: `aurora-migrate rollback`, back to the old server");
  await runRollbackCommand(a.options, {}, a.io);
  const until = Date.now() + 10_000;
  while (app.writingTo !== "back" && Date.now() < until) await demoClock.sleep(100, signal);
  if (app.writingTo !== "back") throw new OperationError("demo --rollback: the app did not see the switch-back hook's URL within 10 s.");

  const v = await validateBack(a.targetUrl, a.sourceUrl, signal, reporter);
  await writeDemoRecord(a.statePath, { ...(await readDemoRecord(a.statePath)), rollbackValidation: { clean: v.clean, differences: v.differences, tables: v.tables, rows: v.rows, at: v.at } });

  reporter.heading("Demo: `aurora-migrate finish`, the reverse path removed, then the cleanup");
  await runFinishCommand(a.options, a.io);
  const check = reporter.spinner("Demo: nothing left on either server (replication slots) or in the stand-in (DMS tasks, endpoints, instances)");
  const left = await leftovers({ auroraUrl: a.targetUrl, oldUrl: a.sourceUrl, standin: a.standin });
  if (left.length) {
    check.fail("Something is left after `finish`");
    throw new OperationError(`After \`finish\` ${left.length} thing(s) are left.`, { details: left, hint: "This is a bug in the tool or the stand-in: please report it with the state file." });
  }
  check.succeed("Nothing left: no replication slot on Aurora or on the old server, no DMS task, endpoint or replication instance");
}

type DemoValidation = Awaited<ReturnType<typeof validateAtSwitch>>;

/**
 * The demo's validate --checksum of `from` against `to` under a spinner: `record` gets the
 * result first (clean or not), a difference is the demo's failure (a bug to report).
 */
async function demoValidate(
  reporter: Reporter,
  from: string,
  to: string,
  signal: AbortSignal,
  o: { title: string; record?: (v: DemoValidation) => Promise<void>; differ: (n: number) => string; clean: (v: DemoValidation) => string },
): Promise<DemoValidation> {
  const spinner = reporter.spinner(o.title);
  const v = await validateAtSwitch(from, to, signal).catch((err: unknown) => {
    spinner.fail();
    throw err;
  });
  await o.record?.(v);
  if (!v.clean) {
    spinner.fail(`validate --checksum found ${v.differences} difference(s)`);
    throw new OperationError(o.differ(v.differences), { details: differenceLines(v), hint: "This is a bug in the tool or the stand-in: please report it with the state file." });
  }
  spinner.succeed(o.clean(v));
  return v;
}

/** validate --checksum the other way round: Aurora as the source, the old server as the target. */
function validateBack(auroraUrl: string, oldUrl: string, signal: AbortSignal, reporter: Reporter): Promise<DemoValidation> {
  return demoValidate(reporter, auroraUrl, oldUrl, signal, {
    title: "Demo: validate --checksum, Aurora as the source and the old server as the target (both frozen for the app's writes on Aurora)",
    differ: (n) => `After the rollback the old server differs from Aurora in ${n} place(s).`,
    clean: (v) => `validate --checksum: the old server has every write — ${v.tables} tables, ${v.rows.toLocaleString("en")} rows, contents and catalogs identical to Aurora`,
  });
}

async function printSummary(reporter: Reporter, statePath: string, app: AppLoad, validation: DemoRecord["validation"], rollbackValidation?: DemoRecord["rollbackValidation"]): Promise<void> {
  const state = await readState(statePath);
  const cutover = readOutput({ state, options: { statePath } }, "cutover") ?? {};
  const s = app.stats;
  reporter.heading("Demo summary");
  reporter.info(`  Rows on the target when it was checked: ${validation ? validation.rows.toLocaleString("en") : "?"} in ${validation?.tables ?? "?"} tables.`);
  reporter.info(`  The app's writes: ${s.source.transactions} transactions on the source, ${s.target.transactions} on the target after the switch, ${s.retries} attempts retried during the freeze.`);
  const w = cutover.report?.windowSeconds;
  reporter.info(`  Cutover window (writes unavailable, freeze to switch): ${w === undefined ? "?" : `${w.toFixed(2)} s`}.`);
  const rb = readOutput({ state, options: { statePath } }, "rollback-window")?.rollback;
  const rw = rb?.windowMs === undefined ? undefined : rb.windowMs / 1000;
  if (rb) reporter.info(`  Rollback window (writes unavailable, freeze on Aurora to switch-back hook end): ${rw === undefined ? "?" : `${rw.toFixed(2)} s`}${rb.window?.hookMs !== undefined ? ` (switch-back hook ${rb.window.hookMs} ms)` : ""}.`);
  if (rollbackValidation) reporter.info(`  validate --checksum after the rollback (Aurora → old server): ${rollbackValidation.clean ? "clean" : `${rollbackValidation.differences} difference(s)`}, ${rollbackValidation.rows.toLocaleString("en")} rows.`);
  if (s.lastSourceCommit && s.firstTargetCommit) {
    reporter.info(`  The app's own gap, last write on the source to first on the target: ${((s.firstTargetCommit.getTime() - s.lastSourceCommit.getTime()) / 1000).toFixed(2)} s (includes the demo's validate).`);
  }
  reporter.info(`  validate --checksum at the switch: ${validation ? (validation.clean ? "clean" : `${validation.differences} difference(s)`) : "not run in this session"}.`);
  if (reporter.jsonMode) reporter.json({ statePath, validation, app: s, cutoverWindowSeconds: w, ...(rb ? { rollbackWindowSeconds: rw, rollbackValidation } : {}) });
}
