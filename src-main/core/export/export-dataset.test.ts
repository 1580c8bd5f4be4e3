import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { setLabel, undo } from '../history/label-history';
import { addBox, updateBox } from '../boxes/box-edits';
import { personPath, seedMaskStore, SEED_PEOPLE, subjectIdOf, imageIdOf } from '../test-support/seed-store';
import { exportDataset } from './export-dataset';
import type { CocoDataset } from './face-box-files';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'loupe-export-'));

describe('exportDataset', () => {
  it('writes train.csv with untouched rows byte-identical and corrected rows rewritten', () => {
    const { store, db, datasetId } = seedMaskStore();
    const bob = personPath(SEED_PEOPLE[1]!); // male 22, id 000002 (shared with another person)
    setLabel(store, { datasetId, target: { subjectId: subjectIdOf(db, bob) }, field: 'gender', value: 1 });
    setLabel(store, { datasetId, target: { subjectId: subjectIdOf(db, bob) }, field: 'age', value: 2 });
    const out = tmp();
    const result = exportDataset(store, datasetId, out);
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
      x: '',
      y: '',
      w: '',
      h: '',
      box_source: '',
    });
    const changes = parse<Record<string, string>>(readFileSync(join(out, 'changes.csv')), { columns: true });
    expect(changes.map((c) => [c.entity, c.key, c.field, c.old, c.new])).toEqual([
      ['person', bob, 'gender', 'male', 'female'],
      ['person', bob, 'age', '22', '60'],
    ]);
    expect(readdirSync(out).sort()).toEqual(['boxes.coco.json', 'boxes.csv', 'changes.csv', 'labels.csv', 'train.csv']);
    expect(result.files.map((f) => basename(f))).toEqual([
      'train.csv',
      'labels.csv',
      'changes.csv',
      'boxes.csv',
      'boxes.coco.json',
    ]);
  });

  it('lists box edits in changes.csv and says where mask fixes go in the competition layout', () => {
    const { store, db, datasetId } = seedMaskStore();
    const path = `images/${personPath(SEED_PEOPLE[0]!)}/mask1.jpg`;
    const imageId = imageIdOf(db, path);
    setLabel(store, { datasetId, target: { imageId }, field: 'mask', value: 2 });
    const drawn = addBox(store, imageId, { x: 10, y: 20, w: 100, h: 120 });
    updateBox(store, drawn.box!.id, { x: 12.4, y: 20, w: 100, h: 120 });
    addBox(store, imageId, { x: 1, y: 1, w: 5, h: 5 });
    undo(store, datasetId);
    const out = tmp();
    const result = exportDataset(store, datasetId, out);
    expect([result.changes, result.boxChanges]).toEqual([1, 2]);
    expect(result.notes).toEqual([expect.stringMatching(/train\.csv .* no mask column: mask fixes are in labels\.csv/)]);
    const changes = parse<Record<string, string>>(readFileSync(join(out, 'changes.csv')), { columns: true });
    expect(changes.map((c) => [c.entity, c.key, c.field, c.old, c.new])).toEqual([
      ['image', path, 'mask', 'wear', 'not wear'],
      ['image', path, 'box', '', '10,20,100,120 (manual)'],
      ['image', path, 'box', '10,20,100,120 (manual)', '12,20,100,120 (manual)'],
    ]);
  });

  it('writes the primary box into labels.csv and every box into boxes.csv and COCO JSON', () => {
    const { store, db, datasetId } = seedMaskStore();
    const path = (slot: string): string => `images/${personPath(SEED_PEOPLE[0]!)}/${slot}.jpg`;
    const addBox = db.prepare('INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const two = imageIdOf(db, path('mask1'));
    const detected = Number(addBox.run(two, 100, 120, 150, 190.5, 'detected', 0.93).lastInsertRowid);
    const manual = Number(addBox.run(two, 90, 110, 160, 200, 'manual', null).lastInsertRowid);
    const imported = Number(addBox.run(imageIdOf(db, path('mask2')), 5, 6, 7, 8, 'imported', null).lastInsertRowid);
    db.prepare(
      `INSERT INTO face_detections (image_id, dataset_id, detector, faces, best_score, detected_at) VALUES (?, ?, 'ssd', 0, NULL, 'now')`,
    ).run(imageIdOf(db, path('normal')), datasetId);
    const out = tmp();
    exportDataset(store, datasetId, out);

    const labels = parse<Record<string, string>>(readFileSync(join(out, 'labels.csv')), { columns: true });
    const row = (slot: string): Record<string, string> => labels.find((r) => r.path === path(slot))!;
    // The box a person drew is the image's box, as in training; the detector's stays in boxes.csv.
    expect(row('mask1')).toMatchObject({ x: '90', y: '110', w: '160', h: '200', box_source: 'manual' });
    expect(row('mask2')).toMatchObject({ x: '5', y: '6', w: '7', h: '8', box_source: 'imported' });
    expect(row('normal')).toMatchObject({ x: '', y: '', w: '', h: '', box_source: 'none' });
    expect(row('mask3')).toMatchObject({ x: '', box_source: '' });

    expect(readFileSync(join(out, 'boxes.csv'), 'utf8')).toBe(
      'path,x,y,w,h,source,score,primary\n' +
        `${path('mask1')},90,110,160,200,manual,,1\n` +
        `${path('mask1')},100,120,150,190.5,detected,0.93,0\n` +
        `${path('mask2')},5,6,7,8,imported,,1\n`,
    );

    const coco = JSON.parse(readFileSync(join(out, 'boxes.coco.json'), 'utf8')) as CocoDataset;
    expect(coco.categories).toEqual([{ id: 1, name: 'face', supercategory: 'face' }]);
    expect(coco.images).toHaveLength(21);
    expect(coco.images.find((i) => i.id === two)).toEqual({
      id: two,
      file_name: path('mask1'),
      width: 384,
      height: 512,
    });
    expect(new Set(coco.images.map((i) => i.id)).size).toBe(21);
    expect(coco.annotations).toEqual([
      {
        id: manual,
        image_id: two,
        category_id: 1,
        bbox: [90, 110, 160, 200],
        area: 32000,
        iscrowd: 0,
        source: 'manual',
      },
      {
        id: detected,
        image_id: two,
        category_id: 1,
        bbox: [100, 120, 150, 190.5],
        area: 28575,
        iscrowd: 0,
        score: 0.93,
        source: 'detected',
      },
      {
        id: imported,
        image_id: imageIdOf(db, path('mask2')),
        category_id: 1,
        bbox: [5, 6, 7, 8],
        area: 56,
        iscrowd: 0,
        source: 'imported',
      },
    ]);
    const imageIds = new Set(coco.images.map((i) => i.id));
    expect(coco.annotations.every((a) => imageIds.has(a.image_id))).toBe(true);
  });

  it('replaces files of an earlier export whole and leaves no temporary files', () => {
    const { store, datasetId } = seedMaskStore();
    const out = tmp();
    writeFileSync(join(out, 'boxes.csv'), 'an older export\n');
    writeFileSync(join(out, 'boxes.csv.0123456789ab.tmp'), 'left by a killed export');
    writeFileSync(join(out, 'notes.txt'), 'the user’s own file');
    exportDataset(store, datasetId, out);
    expect(readFileSync(join(out, 'boxes.csv'), 'utf8')).toBe('path,x,y,w,h,source,score,primary\n');
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('the user’s own file');
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes an undone change back as the original row', () => {
    const { store, db, datasetId } = seedMaskStore();
    const imageId = imageIdOf(db, `images/${personPath(SEED_PEOPLE[0]!)}/mask1.jpg`);
    setLabel(store, { datasetId, target: { imageId }, field: 'gender', value: 0 });
    setLabel(store, { datasetId, target: { imageId }, field: 'gender', value: 1 });
    const out = tmp();
    expect(exportDataset(store, datasetId, out).rowsChanged).toBe(0);
    expect(readFileSync(join(out, 'train.csv'), 'utf8').split('\n')[1]).toBe(
      '000001,female,Asian,45,000001_female_Asian_45',
    );
  });

  it('refuses to write into the dataset folder', () => {
    const root = tmp();
    const { store, datasetId } = seedMaskStore(SEED_PEOPLE, root);
    expect(() => exportDataset(store, datasetId, join(root, 'out'))).toThrow(
      /refusing to export into the dataset folder/,
    );
    expect(readdirSync(root)).toEqual([]);
  });
});
