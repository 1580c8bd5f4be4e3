import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeMaskDataset } from '../core/datasets/synthetic-mask-dataset';
import { loupe } from './test-support/run-loupe';

let db: string;

beforeAll(async () => {
  const source = mkdtempSync(join(tmpdir(), 'loupe-cli-train-src-'));
  await makeMaskDataset(source, { persons: 4, seed: 6, width: 64, height: 80 });
  db = join(mkdtempSync(join(tmpdir(), 'loupe-cli-train-db-')), 'loupe.db');
  expect((await loupe('import', source, '--db', db)).code).toBe(0);
}, 60_000);

function runCount(): number {
  const store = new Database(db, { readonly: true });
  try {
    return (store.prepare('SELECT COUNT(*) AS n FROM training_runs').get() as { n: number }).n;
  } finally {
    store.close();
  }
}

describe('loupe train and export', () => {
  it('trains with a crop mode and margin and reports what the images were cropped to', async () => {
    const trained = await loupe(
      'train',
      '--db',
      db,
      '--folds',
      '2',
      '--epochs',
      '1',
      '--crop',
      'whole-image',
      '--crop-margin',
      '0.5',
      '--seed',
      '3',
      '--ensemble',
      '2',
      '--repeats',
      '2',
      '--json',
    );
    expect(trained.code, trained.stderr).toBe(0);
    expect(JSON.parse(trained.stdout)).toMatchObject({
      crop: 'whole-image',
      crop_margin: 0.5,
      // Recorded as asked (face photos train one linear head per fold whatever the ensemble asks).
      seed: 3,
      ensemble: 2,
      repeats: 2,
      crops: { box: 0, no_face: 0, no_box: 0, whole: 28 },
    });
    // Each task's calibration error of the out-of-fold probabilities, beside its accuracy.
    type Printed = {
      ece: number | null;
      ece_unscaled: number | null;
      ece_person: number | null;
      ece_person_independent: number | null;
      wrong_share: number | null;
      wrong_share_person: number | null;
    };
    const metrics = (JSON.parse(trained.stdout) as { metrics: Record<string, Printed> }).metrics;
    expect(Object.keys(metrics).sort()).toEqual(['age', 'class', 'gender', 'mask']);
    for (const m of Object.values(metrics)) expect(m.ece).toBeGreaterThanOrEqual(0);
    for (const m of Object.values(metrics)) expect(m.ece).toBeLessThanOrEqual(1);
    for (const m of Object.values(metrics)) expect(m.ece_unscaled).toBeGreaterThanOrEqual(0);
    // Gender and age are judged per person: their calibration per person too; the mask and class have none.
    for (const task of ['gender', 'age']) {
      expect(metrics[task]!.ece_person).toBeGreaterThanOrEqual(0);
      expect(metrics[task]!.ece_person).toBeLessThanOrEqual(1);
      expect(metrics[task]!.ece_person_independent).toBeGreaterThanOrEqual(0);
    }
    for (const task of ['mask', 'class']) expect(metrics[task]!.ece_person).toBeNull();
    // The share of labels (of persons, for person fields) the calibration estimates are wrong; none for the class,
    // which is built from the other tasks.
    for (const task of ['mask', 'gender', 'age']) {
      expect(metrics[task]!.wrong_share).toBeGreaterThanOrEqual(0);
      expect(metrics[task]!.wrong_share).toBeLessThanOrEqual(0.2);
    }
    for (const task of ['gender', 'age']) expect(metrics[task]!.wrong_share_person).toBeGreaterThanOrEqual(0);
    expect(metrics.mask!.wrong_share_person).toBeNull();
    expect(metrics.class!.wrong_share).toBeNull();
    const human = await loupe('train', '--db', db, '--folds', '2', '--epochs', '1');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /gender +accuracy \d\.\d{4} +macro F1 \d\.\d{4} +ECE \d\.\d{4} \(per person \d\.\d{4}\)/,
    );
    // The queue's second tier is marked in suspects --json, after every flagged suspect.
    const queue = await loupe('suspects', '--db', db, '--json');
    expect(queue.code, queue.stderr).toBe(0);
    const tiers = (JSON.parse(queue.stdout) as { suspects: { tier: number }[] }).suspects.map((s) => s.tier);
    expect(tiers.length).toBeGreaterThan(0);
    expect(tiers).toEqual([...tiers].sort());
    expect(new Set(tiers).has(2)).toBe(true);
    // Four persons: two per gender, too few to judge, and the queue says so.
    expect((JSON.parse(queue.stdout) as { small_data_notice: string | null }).small_data_notice).toMatch(
      /^Too little data to judge reliably: .*gender male has 2 persons/,
    );
    const text = await loupe('suspects', '--db', db);
    expect(text.stdout).toContain('-- second tier: not flagged, next most doubtful --');
    expect(text.stdout).toMatch(/\n\nToo little data to judge reliably: /);
    expect(human.stdout).toMatch(
      /crops +0 on a face box \(margin 0\.25\), 28 on the default face region \(0 no face found, 28 without a box\), 0 whole photos/,
    );
  }, 120_000);

  it('refuses a bad crop mode or margin, naming it, before training', async () => {
    const before = runCount();
    for (const args of [
      ['--crop', 'face'],
      ['--crop-margin', '3'],
      ['--crop-margin', 'wide'],
    ]) {
      const bad = await loupe('train', '--db', db, ...args);
      expect(bad.code, args.join(' ')).not.toBe(0);
      // commander prints the reason first, then the command's help.
      expect(bad.stderr.split('\n')[0], args.join(' ')).toMatch(
        args[0] === '--crop' ? /--crop <mode>.*face-box, whole-image/ : /--crop-margin <m>.*from 0 to 2/,
      );
    }
    expect(runCount()).toBe(before);
  });

  it('refuses repeated splits in full mode, or more than five, before training', async () => {
    const before = runCount();
    const full = await loupe('train', '--db', db, '--mode', 'full', '--repeats', '2');
    expect(full.code).not.toBe(0);
    expect(full.stderr).toMatch(/repeated splits are a quick-mode setting/);
    const many = await loupe('train', '--db', db, '--repeats', '6');
    expect(many.code).not.toBe(0);
    expect(many.stderr).toMatch(/repeats/);
    expect(runCount()).toBe(before);
  });

  it('lists the box files among what export wrote', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'loupe-cli-train-out-')), 'export');
    const exported = await loupe('export', '--db', db, '--out', out, '--json');
    expect(exported.code, exported.stderr).toBe(0);
    const files = (JSON.parse(exported.stdout) as { files: string[] }).files;
    expect(files.map((f) => f.slice(out.length + 1))).toEqual([
      'train.csv',
      'labels.csv',
      'changes.csv',
      'boxes.csv',
      'boxes.coco.json',
    ]);
    expect(readdirSync(out).sort()).toEqual(['boxes.coco.json', 'boxes.csv', 'changes.csv', 'labels.csv', 'train.csv']);
  });
});
