// `loupe`: every step headless. Each command validates its input before touching the store, prints one JSON
// object on stdout with --json, progress on stderr, and exits non-zero with a one-line reason on bad input.
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import {
  backendChoice,
  detectSettings,
  importFormat,
  trainCrop,
  trainMode,
  trainSettings,
  type BackendChoice,
  type DetectResult,
  type ImportFormat,
  type LabelTarget,
  type TrainCrop,
  type TrainMode,
} from '../shared/api-contract';
import { openCore, type LoupeCore } from '../core/api';
import { importDataset } from '../core/import/import-job';
import { findImageByPath, findSubjectByKey, listDatasetRecords } from '../core/db/dataset-queries';
import { ApiFailure } from '../core/api-failure';
import { defaultRendererDir, startServer } from '../server/http-server';
import { ensureRendererBuilt } from '../server/renderer-build';
import { parseAssignment } from './parse-assignment';
import { createProgressPrinter } from './progress-printer';
import { addRankCommand } from './rank-command';

class CliError extends Error {}

function print(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

function openExisting(db: string): LoupeCore {
  if (!existsSync(db)) throw new CliError(`no database at ${db} (run \`loupe import <path> --db ${db}\` first)`);
  return openCore(db);
}

/** The dataset a command acts on: the one given, or the only one in the store. */
function pickDataset(core: LoupeCore, requested: number | undefined): number {
  const datasets = listDatasetRecords(core.db);
  if (requested !== undefined) {
    if (!datasets.some((d) => d.id === requested)) throw new CliError(`no dataset ${requested} in ${core.dbPath}`);
    return requested;
  }
  if (datasets.length === 0) throw new CliError(`${core.dbPath} holds no dataset yet`);
  if (datasets.length > 1) {
    const list = datasets.map((d) => `${d.id} (${d.name})`).join(', ');
    throw new CliError(`${core.dbPath} holds several datasets; choose one with --dataset: ${list}`);
  }
  return datasets[0]!.id;
}

async function withCore<T>(db: string, fn: (core: LoupeCore) => Promise<T> | T): Promise<T> {
  const core = openExisting(db);
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

const cropMargin = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 2)
    throw new InvalidArgumentError('must be a number from 0 to 2 (a fraction of the box size)');
  return n;
};

/** A settings field as the CLI option that sets it: cropMargin → crop-margin. */
const scoreOption = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number from 0.05 to 0.99');
  return n;
};

const kebab = (field: string): string => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Settings from options, checked by the contract's schema; a refusal names the option as the user wrote it. */
function checkedSettings<S extends z.ZodType>(schema: S, options: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  throw new CliError(
    parsed.error.issues.map((i) => `--${i.path.map((p) => kebab(String(p))).join('.')}: ${i.message}`).join('; '),
  );
}

/** Waits for a job with its progress on stderr; Ctrl-C cancels it, and a cancelled job ends as `cancelled`. */
async function waitForJob(core: LoupeCore, jobId: string, name: string, cancelled: string): Promise<unknown> {
  const progress = createProgressPrinter(name);
  const onSigint = (): void => void core.api['jobs.cancel']({ jobId });
  process.once('SIGINT', onSigint);
  const unsubscribe = core.jobs.onProgress((job) => {
    if (job.id === jobId) progress(job.phase, job.done, job.total);
  });
  try {
    return await core.jobs.wait(jobId);
  } catch (error) {
    if (core.jobs.list().find((j) => j.id === jobId)?.state === 'cancelled') throw new CliError(cancelled);
    throw error;
  } finally {
    unsubscribe();
    progress.finish();
    process.off('SIGINT', onSigint);
  }
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
};

export function buildProgram(): Command {
  const program = new Command('loupe')
    .description('Find and fix label errors in image datasets')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command('import')
    .description('import a dataset folder or file into a store')
    .argument('<path>', 'competition folder (train.csv + images/), CSV file, class-folder root, or IDX file')
    .requiredOption('--db <file>', 'store file (created if missing)')
    .addOption(new Option('--format <format>', 'dataset layout').choices(importFormat.options).default('auto'))
    .option('--json', 'print one JSON object on stdout')
    .action(async (path: string, opts: { db: string; format: ImportFormat; json?: boolean }) => {
      if (!existsSync(path)) throw new CliError(`nothing at ${path}`);
      const created = !existsSync(opts.db);
      const core = openCore(opts.db);
      const controller = new AbortController();
      const onSigint = (): void => controller.abort();
      process.once('SIGINT', onSigint);
      const progress = createProgressPrinter('import');
      try {
        const result = await importDataset(core.db, core.cache, path, opts.format, {
          signal: controller.signal,
          onProgress: progress,
        });
        progress.finish();
        print(
          !!opts.json,
          { images: result.images, subjects: result.subjects, problems: result.problems, dataset: result.datasetId },
          `imported ${result.images} images of ${result.subjects} people (${result.added} new) into dataset ` +
            `${result.datasetId}; ${result.problems.length} problems` +
            result.problems.map((p) => `\n  ${p.path}: ${p.reason}`).join(''),
        );
      } catch (error) {
        progress.finish();
        await core.close();
        // A store made by an import that failed before writing anything is not left behind.
        if (created && listDatasetsSafely(opts.db) === 0)
          for (const f of ['', '-wal', '-shm']) rmSync(opts.db + f, { force: true });
        if (controller.signal.aborted) throw new CliError('import cancelled; run it again to resume');
        throw error;
      } finally {
        process.off('SIGINT', onSigint);
      }
      await core.close();
    });

  program
    .command('info')
    .description('counts of images, people and classes')
    .requiredOption('--db <file>', 'store file')
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--json', 'print one JSON object on stdout')
    .action((opts: { db: string; dataset?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = pickDataset(core, opts.dataset);
        const summary = await core.api['datasets.get']({ datasetId });
        const overview = await core.api['datasets.overview']({ datasetId });
        const classes = Object.fromEntries(overview.classes.map((c) => [c.key, c.count]));
        print(
          !!opts.json,
          {
            dataset: datasetId,
            name: summary.name,
            kind: summary.kind,
            images: summary.images,
            subjects: summary.subjects,
            classes,
            problems: summary.problems,
          },
          `${summary.name} (${summary.kind}): ${summary.images} images, ${summary.subjects} people, ` +
            `${summary.problems} import problems\n` +
            overview.classes.map((c) => `  ${c.key.padEnd(28)} ${c.count}`).join('\n'),
        );
      }),
    );

  program
    .command('relabel')
    .description('change a label of one image or one person (recorded in history, undoable)')
    .requiredOption('--db <file>', 'store file')
    .option('--image <path>', 'image path as in the dataset, relative to its root')
    .option('--subject <path>', 'person (competition `path` column) or CSV group')
    .requiredOption(
      '--set <field=value>',
      'mask=wear|incorrect|not wear, gender=male|female, age=<30|30-59|>=60|<years>, label=<name>',
    )
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--json', 'print one JSON object on stdout')
    .action((opts: { db: string; image?: string; subject?: string; set: string; dataset?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        if (!!opts.image === !!opts.subject) throw new CliError('give exactly one of --image or --subject');
        const datasetId = pickDataset(core, opts.dataset);
        const summary = await core.api['datasets.get']({ datasetId });
        const { field, value } = parseAssignment(opts.set, summary);
        let target: LabelTarget;
        if (opts.image) {
          const imageId = findImageByPath(core.db, datasetId, opts.image);
          if (imageId === null) throw new CliError(`no image ${opts.image} in dataset ${datasetId}`);
          target = { imageId };
        } else {
          const key = opts.subject!;
          const subjectId =
            findSubjectByKey(core.db, datasetId, key) ??
            findSubjectByKey(core.db, datasetId, key.replace(/^images\//, '').replace(/\/$/, ''));
          if (subjectId === null) throw new CliError(`no person ${key} in dataset ${datasetId}`);
          target = { subjectId };
        }
        const result = await core.api['labels.set']({ datasetId, target, field, value });
        print(
          !!opts.json,
          result,
          result.actionId === null
            ? 'nothing changed (the label already had that value)'
            : `changed ${result.changes.length} label(s); ${result.imagesChanged} image(s) affected (action ${result.actionId})`,
        );
      }),
    );

  for (const [name, method] of [
    ['undo', 'history.undo'],
    ['redo', 'history.redo'],
  ] as const) {
    program
      .command(name)
      .description(`${name} the last label action`)
      .requiredOption('--db <file>', 'store file')
      .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
      .option('--json', 'print one JSON object on stdout')
      .action((opts: { db: string; dataset?: number; json?: boolean }) =>
        withCore(opts.db, async (core) => {
          const datasetId = pickDataset(core, opts.dataset);
          const result = await core.api[method]({ datasetId });
          print(!!opts.json, result, result.action ? `${name}: ${result.action.description}` : `nothing to ${name}`);
        }),
      );
  }

  program
    .command('history')
    .description('label actions, newest first')
    .requiredOption('--db <file>', 'store file')
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--limit <n>', 'how many actions', positiveInt, 50)
    .option('--json', 'print one JSON object on stdout')
    .action((opts: { db: string; dataset?: number; limit: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = pickDataset(core, opts.dataset);
        const history = await core.api['history.list']({ datasetId, limit: Math.min(opts.limit, 1000) });
        print(
          !!opts.json,
          { history },
          history
            .map((h) => `${h.createdAt} ${h.state.padEnd(7)} ${h.source.padEnd(10)} ${h.description}`)
            .join('\n') || 'no label changes yet',
        );
      }),
    );

  program
    .command('import-boxes')
    .description('face boxes from a CSV (path plus x,y,w,h or x1,y1,x2,y2) as one undoable action')
    .argument('<csv>', 'CSV file; paths as in the dataset (relative to its folder), one row per box')
    .requiredOption('--db <file>', 'store file')
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--json', 'print one JSON object on stdout')
    .action((csv: string, opts: { db: string; dataset?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        if (!existsSync(csv)) throw new CliError(`nothing at ${csv}`);
        const datasetId = pickDataset(core, opts.dataset);
        const result = await core.api['boxes.import']({ datasetId, path: csv });
        const outcome =
          result.actionId === null
            ? `nothing changed: ${result.images} image(s) already had these ${result.boxes} imported box(es)`
            : `imported ${result.boxes} box(es) on ${result.images} image(s) (action ${result.actionId}, undo with \`loupe undo\`)`;
        print(
          !!opts.json,
          result,
          `${outcome}; ${result.problems.length} problems` +
            result.problems.map((p) => `\n  ${p.path}: ${p.reason}`).join(''),
        );
        // Every row refused is bad input, not an import: say so in the exit code too.
        if (result.images === 0 && result.problems.length > 0) {
          const first = result.problems[0]!;
          throw new CliError(`no row of ${csv} could be used (first problem: ${first.path}: ${first.reason})`);
        }
      }),
    );

  program
    .command('export')
    .description(
      'write train.csv (competition layout), labels.csv (with each image’s face box), changes.csv, and the face ' +
        'boxes as boxes.csv and boxes.coco.json to a folder',
    )
    .requiredOption('--db <file>', 'store file')
    .requiredOption('--out <dir>', 'output folder (created if missing; never the dataset folder)')
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--json', 'print one JSON object on stdout')
    .action((opts: { db: string; out: string; dataset?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = pickDataset(core, opts.dataset);
        const result = await core.api['export.run']({ datasetId, outDir: opts.out });
        print(
          !!opts.json,
          result,
          `wrote ${result.files.join(', ')} (${result.rowsChanged} rows changed, ${result.changes} changes)`,
        );
      }),
    );

  program
    .command('train')
    .description('cross-validated training: an out-of-sample prediction for every image')
    .requiredOption('--db <file>', 'store file')
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .addOption(
      new Option('--mode <mode>', 'quick: frozen features + small head; full: a CNN per fold')
        .choices(trainMode.options)
        .default('quick'),
    )
    .option('--folds <k>', 'cross-validation folds (2–10)', positiveInt, 5)
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend (full mode)')
        .choices(backendChoice.options)
        .default('auto'),
    )
    .option('--epochs <n>', 'epochs (default: per mode)', positiveInt)
    .addOption(
      new Option(
        '--crop <mode>',
        'face-box: the face box grown by the margin (the default face region where there is none); whole-image',
      )
        .choices(trainCrop.options)
        .default('face-box'),
    )
    .option('--crop-margin <m>', 'margin around a face box, as a fraction of its size (0–2)', cropMargin, 0.25)
    .option('--json', 'print one JSON object on stdout')
    .action(
      (opts: {
        db: string;
        dataset?: number;
        mode: TrainMode;
        folds: number;
        backend: BackendChoice;
        epochs?: number;
        crop: TrainCrop;
        cropMargin: number;
        json?: boolean;
      }) =>
        withCore(opts.db, async (core) => {
          const datasetId = pickDataset(core, opts.dataset);
          const settings = checkedSettings(trainSettings, {
            mode: opts.mode,
            folds: opts.folds,
            backend: opts.backend,
            epochs: opts.epochs,
            crop: opts.crop,
            cropMargin: opts.cropMargin,
          });
          const { jobId, runId } = await core.api['train.start']({ datasetId, settings });
          await waitForJob(core, jobId, 'train', 'training cancelled');
          const run = await core.api['runs.get']({ runId });
          const metrics = Object.fromEntries(
            Object.entries(run.summary).map(([task, m]) => [
              task,
              { accuracy: round(m.accuracy), macro_f1: round(m.macroF1) },
            ]),
          );
          const crops = run.crops && {
            box: run.crops.box,
            no_face: run.crops.noFace,
            no_box: run.crops.noBox,
            whole: run.crops.whole,
          };
          print(
            !!opts.json,
            {
              run: run.id,
              backend: run.backend,
              mode: run.mode,
              seconds: round(run.seconds ?? 0),
              crop: run.settings.crop,
              crop_margin: run.settings.cropMargin,
              crops,
              metrics,
            },
            `run ${run.id} (${run.mode}, ${run.backend}) in ${(run.seconds ?? 0).toFixed(1)} s\n` +
              (crops
                ? `  crops    ${crops.box} on a face box (margin ${run.settings.cropMargin}), ` +
                  `${crops.no_face + crops.no_box} on the default face region ` +
                  `(${crops.no_face} no face found, ${crops.no_box} without a box), ${crops.whole} whole photos\n`
                : '') +
              Object.entries(metrics)
                .map(
                  ([task, m]) =>
                    `  ${task.padEnd(8)} accuracy ${m.accuracy.toFixed(4)}  macro F1 ${m.macro_f1.toFixed(4)}`,
                )
                .join('\n'),
          );
        }),
    );

  program
    .command('detect')
    .description(
      'find the face in every photo (offline, resumable): detected boxes with scores, "no face found" where none; ' +
        'images whose boxes a person drew or edited are left alone',
    )
    .requiredOption('--db <file>', 'store file')
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--min-score <s>', 'drop detections scoring below this (0.05–0.99)', scoreOption)
    .option('--redetect', 'look again at photos a detector already looked at')
    .option('--json', 'print one JSON object on stdout')
    .action((opts: { db: string; dataset?: number; minScore?: number; redetect?: boolean; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = pickDataset(core, opts.dataset);
        const settings = checkedSettings(detectSettings, { minScore: opts.minScore, redetect: opts.redetect });
        const { jobId } = await core.api['detect.start']({ datasetId, settings });
        const result = (await waitForJob(
          core,
          jobId,
          'detect',
          'detection cancelled; what it finished is kept, run it again to do the rest',
        )) as DetectResult;
        print(
          !!opts.json,
          result,
          `looked at ${result.images} photos in ${result.seconds} s: ${result.faces} faces, ` +
            `${result.no_face} with no face found; ${result.skipped} skipped (already looked at, or boxes a person ` +
            `decided); ${result.failed} unreadable` +
            result.problems.map((p) => `\n  ${p.path}: ${p.reason}`).join(''),
        );
      }),
    );

  program
    .command('image-list')
    .description('write images.csv: the row order external out-of-sample probabilities must follow')
    .requiredOption('--db <file>', 'store file')
    .requiredOption('--out <file>', 'CSV file to write')
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--json', 'print one JSON object on stdout')
    .action((opts: { db: string; out: string; dataset?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = pickDataset(core, opts.dataset);
        const result = await core.api['review.exportImageList']({ datasetId, outPath: opts.out });
        print(!!opts.json, result, `wrote ${result.rows} rows to ${result.path}`);
      }),
    );

  program
    .command('import-predictions')
    .description('store out-of-sample probabilities computed elsewhere (.npy or .csv, rows as in image-list) as a run')
    .requiredOption('--db <file>', 'store file')
    .requiredOption('--pred-probs <file>', '.npy or .csv, n × k')
    .addOption(
      new Option(
        '--task <task>',
        'competition layout: the single task the columns are for (default: 18 classes)',
      ).choices(['mask', 'gender', 'age']),
    )
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--json', 'print one JSON object on stdout')
    .action(
      (opts: { db: string; predProbs: string; task?: 'mask' | 'gender' | 'age'; dataset?: number; json?: boolean }) =>
        withCore(opts.db, async (core) => {
          if (!existsSync(opts.predProbs)) throw new CliError(`nothing at ${opts.predProbs}`);
          const datasetId = pickDataset(core, opts.dataset);
          const result = await core.api['review.importPredictions']({
            datasetId,
            path: opts.predProbs,
            task: opts.task,
          });
          print(!!opts.json, result, `stored run ${result.runId}: ${result.rows} rows for ${result.tasks.join(', ')}`);
        }),
    );

  program
    .command('suspects')
    .description('labels the latest training run says are likely wrong, most suspicious first')
    .requiredOption('--db <file>', 'store file')
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--run <id>', 'training run (default: the latest finished one)', positiveInt)
    .option('--top <n>', 'how many suspects', positiveInt)
    .option('--json', 'print one JSON object on stdout')
    .action((opts: { db: string; dataset?: number; run?: number; top?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = pickDataset(core, opts.dataset);
        const queue = await core.api['review.suspects']({
          datasetId,
          offset: 0,
          runId: opts.run,
          limit: Math.min(opts.top ?? 5000, 5000),
        });
        const suspects = queue.items.map((s) => ({
          path: s.path,
          subject: s.subject,
          level: s.level,
          field: s.field,
          given: s.given,
          suggested: s.suggested,
          score: Math.round(s.score * 1e4) / 1e4,
        }));
        print(
          !!opts.json,
          { run: queue.runId, suspects },
          suspects
            .map(
              (s) =>
                `${s.score.toFixed(3)}  ${s.level.padEnd(7)} ${s.field.padEnd(6)} ${s.given} → ${s.suggested}  ${s.path}`,
            )
            .join('\n') || 'no suspects',
        );
      }),
    );

  program
    .command('serve')
    .description('serve the Loupe UI to a browser; prints the URL (with its token) as the first line')
    .requiredOption('--db <file>', 'store file (created if missing)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option(
      '--port <port>',
      'port (0 picks a free one)',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number');
        return n;
      },
      0,
    )
    .action(async (opts: { db: string; host: string; port: number }) => {
      const core = openCore(opts.db);
      const here = dirname(fileURLToPath(import.meta.url));
      const running = await startServer({
        core,
        host: opts.host,
        port: opts.port,
        rendererDir: await ensureRendererBuilt(defaultRendererDir(here)),
      });
      process.stdout.write(`${running.url}\n`);
      if (opts.host !== '127.0.0.1' && opts.host !== 'localhost' && opts.host !== '::1') {
        process.stderr.write(
          `warning: listening on ${opts.host}; anyone who can reach it and has the token can edit labels\n`,
        );
      }
      const stop = (): void => {
        void running
          .close()
          .then(() => core.close())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  addRankCommand(program);
  return program;
}

function listDatasetsSafely(db: string): number {
  try {
    const core = openCore(db, { readonly: true });
    const n = listDatasetRecords(core.db).length;
    core.db.close();
    return n;
  } catch {
    return 0;
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error && typeof error === 'object' && 'exitCode' in error && 'code' in error) {
      // commander already printed its message (help, a missing option, a bad choice).
      return (error as { exitCode: number }).exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`loupe: ${message.split('\n')[0]}\n`);
    return error instanceof CliError || error instanceof ApiFailure ? 2 : 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      // `serve` keeps the event loop alive; everything else ends here.
      if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`loupe: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
