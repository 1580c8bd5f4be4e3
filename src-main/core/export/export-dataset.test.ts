import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { setLabel } from '../history/label-history';
import { personPath, seedMaskStore, SEED_PEOPLE, subjectIdOf, imageIdOf } from '../test-support/seed-store';
import { exportDataset } from './export-dataset';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'loupe-export-'));

describe('exportDataset', () => {
  it('writes train.csv with untouched rows byte-identical and corrected rows rewritten', () => {
    const { db, datasetId } = seedMaskStore();
    const bob = personPath(SEED_PEOPLE[1]!); // male 22, id 000002 (shared with another person)
    setLabel(db, { datasetId, target: { subjectId: subjectIdOf(db, bob) }, field: 'gender', value: 1 });
    setLabel(db, { datasetId, target: { subjectId: subjectIdOf(db, bob) }, field: 'age', value: 2 });
    const out = tmp();
    const result = exportDataset(db, datasetId, out);
    expect(result.rowsChanged).toBe(1);
    const train = readFileSync(join(out, 'train.csv'), 'utf8');
    expect(train).toBe(
      'id,gender,race,age,path\n' +
        '000001,female,Asian,45,000001_female_Asian_45\n' +
        `000002,female,Asian,60,${bob}\n` +
        '000002,female,Asian,61,000002_female_Asian_61\n',
    );
    const labels = parse<Record<string, string>>(readFileSync(join(out, 'labels.csv')), { columns: true });
    expect(labels).toHaveLength(21);
    expect(labels.find((r) => r.path === `images/${bob}/incorrect_mask.jpg`)).toEqual({
      path: `images/${bob}/incorrect_mask.jpg`,
      mask: 'incorrect',
      gender: 'female',
      age: '60',
      class: '11',
      age_group: '>=60',
    });
    const changes = parse<Record<string, string>>(readFileSync(join(out, 'changes.csv')), { columns: true });
    expect(changes.map((c) => [c.entity, c.key, c.field, c.old, c.new])).toEqual([
      ['person', bob, 'gender', 'male', 'female'],
      ['person', bob, 'age', '22', '60'],
    ]);
    expect(readdirSync(out).sort()).toEqual(['changes.csv', 'labels.csv', 'train.csv']);
  });

  it('writes an undone change back as the original row', () => {
    const { db, datasetId } = seedMaskStore();
    const imageId = imageIdOf(db, `images/${personPath(SEED_PEOPLE[0]!)}/mask1.jpg`);
    setLabel(db, { datasetId, target: { imageId }, field: 'gender', value: 0 });
    setLabel(db, { datasetId, target: { imageId }, field: 'gender', value: 1 });
    const out = tmp();
    expect(exportDataset(db, datasetId, out).rowsChanged).toBe(0);
    expect(readFileSync(join(out, 'train.csv'), 'utf8').split('\n')[1]).toBe('000001,female,Asian,45,000001_female_Asian_45');
  });

  it('refuses to write into the dataset folder', () => {
    const root = tmp();
    const { db, datasetId } = seedMaskStore(SEED_PEOPLE, root);
    expect(() => exportDataset(db, datasetId, join(root, 'out'))).toThrow(/refusing to export into the dataset folder/);
    expect(readdirSync(root)).toEqual([]);
  });
});
