// The CLI as a door like the HTTP server and Electron: every command calls the API by name through the same zod
// validation (core/api-dispatch.ts), and long work runs as a job whose progress goes to stderr and which Ctrl-C
// cancels. Helpers the commands share live here.
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { z } from 'zod';
import type { ApiArgsIn, ApiMethod, ApiResult, JobKind, JobResults, JobSnapshot } from '../shared/api-contract';
import { openCore, type LoupeCore } from '../core/api';
import { dispatch } from '../core/api-dispatch';
import { ApiFailure } from '../core/api-failure';
import { createProgressPrinter } from './progress-printer';

/** Bad input on the command line: a one-line reason, exit code 2. */
export class CliError extends Error {}

/**
 * A path typed on the command line, made absolute against the working directory: the contract takes absolute
 * paths only (a door with no working directory of its own must not guess one). `~` is left for core to expand.
 */
export function absolutePathArg(path: string): string {
  return path === '~' || path.startsWith('~/') ? path : resolvePath(path);
}

export function print(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

/** Calls an API method as the other doors do: arguments checked by the contract's schema, errors as ApiFailure. */
export async function invoke<M extends ApiMethod>(
  core: LoupeCore,
  method: M,
  args: ApiArgsIn<M>,
): Promise<ApiResult<M>> {
  const envelope = await dispatch(core.api, method, args);
  if (envelope.ok) return envelope.value as ApiResult<M>;
  const { code, message } = envelope.error;
  throw code === 'internal' ? new Error(message) : new ApiFailure(code, message);
}

export function openExisting(db: string): LoupeCore {
  if (!existsSync(db)) throw new CliError(`no database at ${db} (run \`loupe import <path> --db ${db}\` first)`);
  return openCore(db);
}

export async function withCore<T>(db: string, fn: (core: LoupeCore) => Promise<T> | T): Promise<T> {
  const core = openExisting(db);
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}

/** The dataset a command acts on: the one given, or the only one in the store. */
export async function pickDataset(core: LoupeCore, requested: number | undefined): Promise<number> {
  const [datasets, { dbPath }] = await Promise.all([invoke(core, 'datasets.list', {}), invoke(core, 'app.info', {})]);
  if (requested !== undefined) {
    if (!datasets.some((d) => d.id === requested)) throw new CliError(`no dataset ${requested} in ${dbPath}`);
    return requested;
  }
  if (datasets.length === 0) throw new CliError(`${dbPath} holds no dataset yet`);
  if (datasets.length > 1) {
    const list = datasets.map((d) => `${d.id} (${d.name})`).join(', ');
    throw new CliError(`${dbPath} holds several datasets; choose one with --dataset: ${list}`);
  }
  return datasets[0]!.id;
}

/**
 * Waits for a job with its progress on stderr; Ctrl-C cancels it, and a cancelled job ends as a CliError saying
 * `cancelled`. Resolves with the job's result, typed by its kind.
 */
export async function waitForJob<K extends JobKind>(
  core: LoupeCore,
  jobId: string,
  kind: K,
  cancelled: string,
): Promise<JobResults[K]> {
  const progress = createProgressPrinter(kind);
  const onSigint = (): void => void invoke(core, 'jobs.cancel', { jobId });
  process.once('SIGINT', onSigint);
  let unsubscribe = (): void => undefined;
  try {
    const final = await new Promise<JobSnapshot>((resolve, reject) => {
      const see = (job: JobSnapshot): void => {
        if (job.id !== jobId) return;
        progress(job);
        if (job.state !== 'running') resolve(job);
      };
      unsubscribe = core.on((event) => {
        if (event.name === 'job.progress') see(event.payload);
      });
      // The job may have ended before the subscription.
      invoke(core, 'jobs.list', {}).then((jobs) => jobs.forEach(see), reject);
    });
    if (final.state === 'cancelled') throw new CliError(cancelled);
    if (final.state === 'failed') {
      const message = final.error ?? 'the job failed';
      throw final.errorCode && final.errorCode !== 'internal'
        ? new ApiFailure(final.errorCode, message)
        : new Error(message);
    }
    if (final.kind !== kind || final.result === null) throw new Error(`job ${jobId} ended without a ${kind} result`);
    return final.result as JobResults[K];
  } finally {
    unsubscribe();
    progress.finish();
    process.off('SIGINT', onSigint);
  }
}

/** A command on one dataset of a store, with the options every such command takes: --db, --dataset and --json. */
export function datasetCommand(program: Command, name: string): Command {
  return program
    .command(name)
    .requiredOption('--db <file>', 'store file')
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--json', 'print one JSON object on stdout');
}

export const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
};

export const round = (x: number): number => Math.round(x * 1e4) / 1e4;

/** A settings field as the CLI option that sets it: cropMargin → crop-margin. */
const kebab = (field: string): string => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Settings from options, checked by the contract's schema; a refusal names the option as the user wrote it. */
export function checkedSettings<S extends z.ZodType>(schema: S, options: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  throw new CliError(
    parsed.error.issues.map((i) => `--${i.path.map((p) => kebab(String(p))).join('.')}: ${i.message}`).join('; '),
  );
}
