import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeMaskDataset, type SyntheticMaskDataset } from '../core/datasets/synthetic-mask-dataset';
import { loupe, newDbPath } from './test-support/run-loupe';

let source: string;
let made: SyntheticMaskDataset;

beforeAll(async () => {
  source = mkdtempSync(join(tmpdir(), 'loupe-cli-src-'));
  made = await makeMaskDataset(source, { persons: 4, seed: 5, width: 64, height: 80 });
});

const newDb = (): string => newDbPath('loupe-cli-db-');

describe('loupe CLI', () => {
  it('imports with --json, reports progress on stderr only, and info counts classes', async () => {
    const db = newDb();
    const imported = await loupe('import', source, '--db', db, '--json');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ images: 28, subjects: 4, problems: [] });
    expect(imported.stdout.trim().split('\n')).toHaveLength(1);
    expect(imported.stderr).toMatch(/import: thumbnails/);
    const info = JSON.parse((await loupe('info', '--db', db, '--json')).stdout) as {
      images: number;
      subjects: number;
      classes: Record<string, number>;
    };
    expect(info.images).toBe(28);
    expect(info.subjects).toBe(4);
    expect(Object.keys(info.classes)).toHaveLength(18);
    expect(Object.values(info.classes).reduce((a, b) => a + b, 0)).toBe(28);
  });

  it('relabels a person, undoes, and exports the corrected train.csv', async () => {
    const db = newDb();
    await loupe('import', source, '--db', db);
    const person = made.persons[0]!;
    const other = person.gender === 'male' ? 'female' : 'male';
    const set = await loupe('relabel', '--db', db, '--subject', person.path, '--set', `gender=${other}`, '--json');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ imagesChanged: 7 });
    await loupe('relabel', '--db', db, '--image', `images/${person.path}/normal.jpg`, '--set', 'mask=incorrect');
    expect((await loupe('undo', '--db', db)).code).toBe(0);
    const out = join(mkdtempSync(join(tmpdir(), 'loupe-cli-out-')), 'export');
    const exported = await loupe('export', '--db', db, '--out', out, '--json');
    expect(JSON.parse(exported.stdout)).toMatchObject({ rowsChanged: 1, changes: 1 });
    const original = readFileSync(join(source, 'train.csv'), 'utf8').split('\n');
    const corrected = readFileSync(join(out, 'train.csv'), 'utf8').split('\n');
    expect(corrected).toHaveLength(original.length);
    corrected.forEach((line, i) => {
      if (line.endsWith(`,${person.path}`)) expect(line).toBe(original[i]!.replace(`,${person.gender},`, `,${other},`));
      else expect(line).toBe(original[i]);
    });
  });

  it('exits non-zero with a one-line reason on bad input and writes nothing', async () => {
    const db = newDb();
    const missing = await loupe('info', '--db', db, '--json');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(db)).toBe(false);
    const nothing = await loupe('import', '/no/such/dataset', '--db', db);
    expect(nothing.code).not.toBe(0);
    expect(existsSync(db)).toBe(false);

    await loupe('import', source, '--db', db);
    const before = (await loupe('history', '--db', db, '--json')).stdout;
    for (const args of [
      ['--subject', made.persons[0]!.path, '--set', 'gender=robot'],
      ['--subject', made.persons[0]!.path, '--set', 'colour=red'],
      ['--subject', 'nobody', '--set', 'gender=male'],
      ['--image', 'images/none.jpg', '--set', 'mask=wear'],
      ['--set', 'mask=wear'],
    ]) {
      const bad = await loupe('relabel', '--db', db, ...args);
      expect(bad.code, args.join(' ')).not.toBe(0);
      expect(bad.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect((await loupe('history', '--db', db, '--json')).stdout).toBe(before);
    const format = await loupe('import', source, '--db', db, '--format', 'zip');
    expect(format.code).not.toBe(0);
  });

  it('imports face boxes from a CSV as one undoable action, reporting bad rows and refusing bad files', async () => {
    const db = newDb();
    await loupe('import', source, '--db', db);
    const dir = mkdtempSync(join(tmpdir(), 'loupe-cli-boxes-'));
    const person = made.persons[0]!.path;
    const csv = join(dir, 'faces.csv');
    writeFileSync(
      csv,
      `path,x,y,w,h\n${person}/mask1.jpg,1,2,20,30\n${person}/mask1.jpg,30,2,20,30\n${person}/x.jpg,1,1,5,5\n`,
    );
    const imported = await loupe('import-boxes', csv, '--db', db, '--json');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      images: 1,
      boxes: 2,
      problems: [{ path: 'faces.csv:4', reason: `no image "${person}/x.jpg" in this dataset` }],
    });
    const history = JSON.parse((await loupe('history', '--db', db, '--json')).stdout) as {
      history: { description: string; boxChanges: number }[];
    };
    expect(history.history[0]).toMatchObject({
      description: '2 boxes on 1 image imported from faces.csv',
      boxChanges: 2,
    });
    const undone = await loupe('undo', '--db', db);
    expect(undone.stdout).toBe('undo: 2 boxes on 1 image imported from faces.csv\n');
    const out = join(dir, 'export');
    expect((await loupe('export', '--db', db, '--out', out)).code).toBe(0);

    const allBad = join(dir, 'bad.csv');
    writeFileSync(allBad, `path,x,y,w,h\n${person}/mask1.jpg,1,2,0,30\n`);
    for (const args of [[allBad], [join(dir, 'missing.csv')], [join(dir, 'export', 'train.csv')]]) {
      const bad = await loupe('import-boxes', ...args, '--db', db);
      expect(bad.code, args.join(' ')).not.toBe(0);
      expect(bad.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect((await loupe('import-boxes', allBad, '--db', db)).stderr).toMatch(
      /^loupe: no row of .*bad\.csv could be used/,
    );
    expect((await loupe('history', '--db', db, '--json')).stdout).toContain('"state":"undone"');
  });
});
