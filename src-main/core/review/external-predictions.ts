// Out-of-sample probabilities computed elsewhere (a user's PyTorch run on a GPU server) enter Loupe as a run of
// mode 'external'. Rows must follow the image list Loupe exports, so nothing depends on the other trainer's order.
import type { LoupeStore, TaskPredictions } from '../db/store';
import type { TaskMetrics } from '../../shared/api-contract';
import { GENDER_VALUES, MASK_CLASS_NAMES } from '../../shared/label-schema';
import { writeFileAtomicSync } from '../fs/atomic-write';
import { collectTrainingData } from '../train/training-data';
import { taskMetrics } from '../train/cross-validated-training';
import { readPredProbs } from './pred-probs-io';
import { collectSuspectInput, rankSuspectsOffThread } from './suspects';
import { ApiFailure } from '../api-failure';
import { stringify } from 'csv-stringify/sync';

/**
 * Writes `images.csv`: one row per image in the order external probabilities must follow (`index,path,group,
 * label`), where `label` is the class index (the 18-class index for the competition layout).
 */
export function exportImageList(store: LoupeStore, datasetId: number, outPath: string): { path: string; rows: number } {
  const data = collectTrainingData(store, datasetId);
  const record = store.datasets.get(datasetId);
  const rows = store.images.listWithSubjects(datasetId);
  const names = record.kind === 'mask' ? MASK_CLASS_NAMES : record.labelNames;
  const table = rows.map((r, i) => [i, r.path, r.subject ?? '', data.stratify[i]! >= 0 ? data.stratify[i]! : '', names[data.stratify[i]!] ?? '']);
  writeFileAtomicSync(outPath, stringify([['index', 'path', 'group', 'label', 'label_name'], ...table], { record_delimiter: '\n' }));
  return { path: outPath, rows: rows.length };
}

/**
 * Stores probabilities (`.npy` or `.csv`, n × k, rows as in `images.csv`) as an external run. For the competition
 * layout k is 18 (the classes, summed into mask, gender and age) — or 3, 2 or 3 for a single task when
 * `task` says which; otherwise k is the number of labels.
 */
export async function importPredictions(
  store: LoupeStore,
  datasetId: number,
  path: string,
  task?: 'mask' | 'gender' | 'age',
): Promise<{ runId: number; rows: number; tasks: string[] }> {
  const probs = await readPredProbs(path);
  const data = collectTrainingData(store, datasetId);
  const n = data.imageIds.length;
  if (probs.n !== n) {
    throw new ApiFailure('invalid-argument', `${path} has ${probs.n} rows but the dataset has ${n} images; export the image list and follow its order`);
  }
  const floats = Float32Array.from(probs.data);
  const predictions: { task: string; k: number; probs: Float32Array; given: Int32Array }[] = [];
  if (data.kind === 'mask') {
    if (task) {
      const t = data.tasks.find((x) => x.name === task)!;
      if (probs.k !== t.classNames.length) throw new ApiFailure('invalid-argument', `${task} needs ${t.classNames.length} columns, ${path} has ${probs.k}`);
      predictions.push({ task, k: probs.k, probs: floats, given: t.labels });
    } else {
      if (probs.k !== 18) throw new ApiFailure('invalid-argument', `the competition layout needs 18 columns (one per class), ${path} has ${probs.k}`);
      const sums = [new Float32Array(n * 3), new Float32Array(n * GENDER_VALUES.length), new Float32Array(n * 3)];
      for (let i = 0; i < n; i++) {
        let total = 0;
        for (let c = 0; c < 18; c++) total += floats[i * 18 + c]!;
        for (let c = 0; c < 18; c++) {
          const p = floats[i * 18 + c]! / (total || 1);
          const at = (t: number, width: number, v: number): void => {
            sums[t]![i * width + v] = sums[t]![i * width + v]! + p;
          };
          at(0, 3, Math.floor(c / 6));
          at(1, 2, Math.floor((c % 6) / 3));
          at(2, 3, c % 3);
        }
      }
      data.tasks.forEach((t, index) => predictions.push({ task: t.name, k: t.classNames.length, probs: sums[index]!, given: t.labels }));
      predictions.push({ task: 'class', k: 18, probs: floats, given: data.stratify });
    }
  } else {
    const t = data.tasks[0]!;
    if (probs.k !== t.classNames.length) {
      throw new ApiFailure('invalid-argument', `this dataset has ${t.classNames.length} labels, ${path} has ${probs.k} columns`);
    }
    predictions.push({ task: 'label', k: probs.k, probs: floats, given: t.labels });
  }
  const noFolds = new Int32Array(n).fill(-1);
  const settings = { mode: 'quick', folds: 2, backend: 'auto', crop: 'whole-image', cropMargin: 0, seed: 0 } as const;
  const runId = store.runs.create(datasetId, 'external', `file: ${path}`, settings);
  const metrics: Record<string, TaskMetrics> = {};
  for (const p of predictions) {
    const names = p.task === 'class' ? [...MASK_CLASS_NAMES] : (data.tasks.find((t) => t.name === p.task)?.classNames ?? []);
    metrics[p.task] = { ...taskMetrics(names, p.given, p.probs, noFolds, 0), folds: [] };
  }
  const stored: TaskPredictions[] = predictions.map((p) => ({ ...p, imageIds: data.imageIds, folds: noFolds }));
  store.suspects.recordLabelSnapshot(datasetId, runId);
  try {
    const queue = await rankSuspectsOffThread(collectSuspectInput(store, datasetId, runId, { predictions: stored }));
    store.transaction(() => {
      store.runs.complete(runId, 0, metrics, stored);
      store.suspects.storeQueue(datasetId, runId, queue);
    });
  } catch (error) {
    store.runs.end(runId, 'failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
  return { runId, rows: n, tasks: predictions.map((p) => p.task) };
}
