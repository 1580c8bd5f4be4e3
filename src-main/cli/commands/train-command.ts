import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  backendChoice,
  ENSEMBLE_DEFAULT,
  trainCrop,
  trainMode,
  trainSettings,
  type BackendChoice,
  type TrainCrop,
  type TrainMode,
} from '../../shared/api-contract';
import { runDeviceText } from '../../shared/gpu-adapter-label';
import { estimatedWrongShare } from '../../shared/label-noise';
import {
  checkedSettings,
  datasetCommand,
  invoke,
  pickDataset,
  positiveInt,
  print,
  round,
  waitForJob,
  withCore,
} from '../cli-door';

interface TrainOptions {
  db: string;
  dataset?: number;
  mode: TrainMode;
  folds: number;
  backend: BackendChoice;
  epochs?: number;
  crop: TrainCrop;
  cropMargin: number;
  seed: number;
  ensemble?: number;
  repeats?: number;
  json?: boolean;
}

const wholeNumber = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
};

const nullableRound = (value: number | null | undefined): number | null =>
  value === null || value === undefined ? null : round(value);

const cropMargin = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 2)
    throw new InvalidArgumentError('must be a number from 0 to 2 (a fraction of the box size)');
  return n;
};

export function addTrainCommand(program: Command): void {
  datasetCommand(program, 'train')
    .description('cross-validated training: an out-of-sample prediction for every image')
    .addOption(
      new Option('--mode <mode>', 'quick: frozen features + small head; full: a CNN per fold')
        .choices(trainMode.options)
        .default('quick'),
    )
    .option('--folds <k>', 'cross-validation folds (2–10)', positiveInt, 5)
    .addOption(
      new Option(
        '--backend <name>',
        'TensorFlow.js backend for the CNN (full mode) or the face networks (quick mode); `loupe backends` lists them',
      )
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
    .option('--seed <n>', 'seed of the folds and the training (the same seed repeats a run)', wholeNumber, 1)
    .option(
      '--ensemble <n>',
      `quick mode: MLP heads per fold averaged, 1–10 (default ${ENSEMBLE_DEFAULT}; face photos train one linear head)`,
      positiveInt,
    )
    .option(
      '--repeats <n>',
      'quick mode: cross-validation over n fold splits, probabilities averaged, 1–5 ' +
        '(default 3 on digits and other small images, 1 on face photos)',
      positiveInt,
    )
    .action((opts: TrainOptions) =>
      withCore(opts.db, async (core) => {
        const datasetId = await pickDataset(core, opts.dataset);
        const settings = checkedSettings(trainSettings, {
          mode: opts.mode,
          folds: opts.folds,
          backend: opts.backend,
          epochs: opts.epochs,
          crop: opts.crop,
          cropMargin: opts.cropMargin,
          seed: opts.seed,
          ensemble: opts.ensemble,
          repeats: opts.repeats,
        });
        const { jobId } = await invoke(core, 'train.start', { datasetId, settings });
        const run = await waitForJob(core, jobId, 'train', 'training cancelled');
        const metrics = Object.fromEntries(
          Object.entries(run.summary).map(([task, m]) => {
            const detail = run.tasks[task];
            return [
              task,
              {
                accuracy: round(m.accuracy),
                macro_f1: round(m.macroF1),
                // Expected calibration error of the out-of-fold probabilities (15 bins); null where not measured.
                ece: nullableRound(detail?.ece),
                // The same before the probabilities were temperature-scaled; null where they were not.
                ece_unscaled: nullableRound(detail?.temperatureScaling?.eceBefore),
                // Person-level fields (gender, age): the ECE of the person probabilities the review judges, one per
                // person, with the photos' evidence discounted as the review does and with every photo counted fully.
                ece_person: nullableRound(detail?.perPerson?.ece),
                ece_person_independent: nullableRound(detail?.perPerson?.eceIndependent),
                // The share of labels (of persons, for person fields) the calibration estimates are wrong, from its
                // label-noise floor (shared/label-noise.ts); null where the run fitted none.
                wrong_share: nullableRound(detail && estimatedWrongShare(detail)),
                wrong_share_person: nullableRound(detail && estimatedWrongShare(detail, 'person')),
              },
            ];
          }),
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
            seed: run.settings.seed,
            ensemble: run.settings.ensemble,
            repeats: run.settings.repeats ?? 1,
            crops,
            metrics,
            adapter: run.device?.adapter ?? null,
          },
          `run ${run.id} (${run.mode}, ${runDeviceText(run)}) in ${(run.seconds ?? 0).toFixed(1)} s\n` +
            (crops
              ? `  crops    ${crops.box} on a face box (margin ${run.settings.cropMargin}), ` +
                `${crops.no_face + crops.no_box} on the default face region ` +
                `(${crops.no_face} no face found, ${crops.no_box} without a box), ${crops.whole} whole photos\n`
              : '') +
            Object.entries(metrics)
              .map(
                ([task, m]) =>
                  `  ${task.padEnd(8)} accuracy ${m.accuracy.toFixed(4)}  macro F1 ${m.macro_f1.toFixed(4)}` +
                  (m.ece === null ? '' : `  ECE ${m.ece.toFixed(4)}`) +
                  (m.ece_person === null ? '' : ` (per person ${m.ece_person.toFixed(4)})`) +
                  (m.wrong_share === null ? '' : `  ~${(100 * m.wrong_share).toFixed(1)}% labels wrong (estimated)`),
              )
              .join('\n'),
        );
      }),
    );
}
