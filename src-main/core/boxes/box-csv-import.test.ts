import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Db } from '../db/open-database';
import type { SqliteStore } from '../db/sqlite-store';
import { getImage } from '../datasets/dataset-reads';
import { listHistory, redo, undo } from '../history/label-history';
import { imageIdOf, personPath, seedMaskStore, SEED_PEOPLE } from '../test-support/seed-store';
import { importBoxesCsv } from './box-csv-import';
import { addBox } from './box-edits';

const alice = personPath(SEED_PEOPLE[0]!);
const bob = personPath(SEED_PEOPLE[1]!);
const ROOT = '/data/mask';

function writeCsv(name: string, lines: string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'loupe-boxes-')), name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const rects = (store: SqliteStore, relPath: string): [string, number, number, number, number][] =>
  getImage(store, imageIdOf(store.db, relPath)).boxes.map((b) => [b.source, b.x, b.y, b.w, b.h]);

const allBoxes = (db: Db): unknown[] => db.prepare('SELECT * FROM boxes ORDER BY id').all();

describe('box CSV import', () => {
  it('imports x,y,w,h rows, several per image, and reports each bad row while keeping the good ones', async () => {
    const { store, datasetId } = seedMaskStore(SEED_PEOPLE, ROOT);
    const csv = writeCsv('boxes.csv', [
      'Path,X,Y,W,H',
      `images/${alice}/mask1.jpg,10,20,100,120`,
      `images/${alice}/mask1.jpg,200,20,50,60`, // a second face on the same photo
      `${bob}/mask2.jpg,1,2,3,4`, // competition person folder + file, as train.csv writes the folder
      `images\\${bob}\\normal.jpg,5,6,70,80`, // Windows separators
      `${ROOT}/images/${alice}/normal.jpg,0,0,384,512`, // absolute, inside the dataset folder
      `images/${alice}/nope.jpg,1,2,3,4`,
      `images/${alice}/mask3.jpg,1,2,x,4`,
      `images/${alice}/mask3.jpg,1,2,0,4`,
      `images/${alice}/mask4.jpg,300,400,200,50`,
      `images/${alice}/mask5.jpg,1,2,3`,
      `../${alice}/mask5.jpg,1,2,3,4`,
      `/elsewhere/${alice}/mask5.jpg,1,2,3,4`,
      `images/${alice}/mask5.jpg,0.1,0.1,0.5,0.5`,
    ]);
    const result = await importBoxesCsv(store, datasetId, csv);
    expect(result.problems).toEqual([
      { path: 'boxes.csv:7', reason: `no image "images/${alice}/nope.jpg" in this dataset` },
      {
        path: 'boxes.csv:8',
        reason: `bad box (1, 2, x, 4): x, y, w and h must all be numbers: images/${alice}/mask3.jpg`,
      },
      {
        path: 'boxes.csv:9',
        reason: `bad box (1, 2, 0, 4): x and y must be ≥ 0, w and h > 0: images/${alice}/mask3.jpg`,
      },
      {
        path: 'boxes.csv:10',
        reason:
          'box (300, 400, 200×50) reaches past the edge of the image (384×512); boxes are pixel coordinates of the ' +
          `original image: images/${alice}/mask4.jpg`,
      },
      { path: 'boxes.csv:11', reason: 'row has 4 fields but the header has 5' },
      { path: 'boxes.csv:12', reason: `path "../${alice}/mask5.jpg" uses ".." to leave its folder` },
      { path: 'boxes.csv:13', reason: `path "/elsewhere/${alice}/mask5.jpg" is outside the dataset folder ${ROOT}` },
      {
        path: 'boxes.csv:14',
        reason: `box (0.1, 0.1, 0.5×0.5) is smaller than 1 pixel; boxes are in pixels, not fractions of the image size: images/${alice}/mask5.jpg`,
      },
    ]);
    expect(result).toMatchObject({ images: 4, boxes: 5 });
    expect(rects(store, `images/${alice}/mask1.jpg`)).toEqual([
      ['imported', 10, 20, 100, 120],
      ['imported', 200, 20, 50, 60],
    ]);
    expect(rects(store, `images/${bob}/mask2.jpg`)).toEqual([['imported', 1, 2, 3, 4]]);
    expect(rects(store, `images/${bob}/normal.jpg`)).toEqual([['imported', 5, 6, 70, 80]]);
    expect(rects(store, `images/${alice}/normal.jpg`)).toEqual([['imported', 0, 0, 384, 512]]);
    expect(rects(store, `images/${alice}/mask4.jpg`)).toEqual([]);
    const [entry] = listHistory(store, datasetId, 10);
    expect(entry).toMatchObject({
      actionId: result.actionId,
      source: 'import',
      description: '5 boxes on 4 images imported from boxes.csv',
      boxChanges: 5,
      changes: [],
    });
    // The user's file is read, never written.
    expect(readFileSync(csv, 'utf8').split('\n')[1]).toBe(`images/${alice}/mask1.jpg,10,20,100,120`);
  });

  it('reads x1,y1,x2,y2 corners and refuses a second corner before the first', async () => {
    const { store, datasetId } = seedMaskStore(SEED_PEOPLE, ROOT);
    const csv = writeCsv('corners.csv', [
      'path,x1,y1,x2,y2',
      `${alice}/mask1.jpg,10,20,110,140`,
      `${alice}/mask2.jpg,50,20,40,140`,
      `${alice}/mask2.jpg,10,20,384.4,512`, // rounding past the edge is clipped, not refused
    ]);
    const result = await importBoxesCsv(store, datasetId, csv);
    expect(result.problems).toEqual([
      {
        path: 'corners.csv:3',
        reason: `bad box (50, 20, 40, 140): x2 must be greater than x1 and y2 greater than y1: images/${alice}/mask2.jpg`,
      },
    ]);
    expect(rects(store, `images/${alice}/mask1.jpg`)).toEqual([['imported', 10, 20, 100, 120]]);
    expect(rects(store, `images/${alice}/mask2.jpg`)).toEqual([['imported', 10, 20, 374, 492]]);
  });

  it("replaces only an image's imported boxes, and undo brings back exactly the earlier ones", async () => {
    const { store, db, datasetId } = seedMaskStore(SEED_PEOPLE, ROOT);
    const mask1 = `images/${alice}/mask1.jpg`;
    const first = writeCsv('first.csv', [
      'path,x,y,w,h',
      `${mask1},1,1,10,10`,
      `${mask1},20,20,10,10`,
      `images/${bob}/mask1.jpg,5,5,10,10`,
    ]);
    await importBoxesCsv(store, datasetId, first);
    const imageId = imageIdOf(db, mask1);
    addBox(store, imageId, { x: 50, y: 50, w: 40, h: 40 });
    db.prepare(
      `INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, 60, 60, 30, 30, 'detected', 0.7)`,
    ).run(imageId);
    const before = allBoxes(db);

    const second = writeCsv('second.csv', ['path,x,y,w,h', `${mask1},2,2,12,12`]);
    const result = await importBoxesCsv(store, datasetId, second);
    expect(result).toMatchObject({ images: 1, boxes: 1, problems: [] });
    expect(rects(store, mask1)).toEqual([
      ['manual', 50, 50, 40, 40],
      ['detected', 60, 60, 30, 30],
      ['imported', 2, 2, 12, 12],
    ]);
    expect(rects(store, `images/${bob}/mask1.jpg`)).toEqual([['imported', 5, 5, 10, 10]]);
    expect(listHistory(store, datasetId, 1)[0]).toMatchObject({
      description: '1 box on 1 image imported from second.csv (replacing 2 imported earlier)',
      boxChanges: 3,
    });
    const after = allBoxes(db);

    expect(undo(store, datasetId).action?.actionId).toBe(result.actionId);
    expect(allBoxes(db)).toEqual(before);
    redo(store, datasetId);
    expect(allBoxes(db)).toEqual(after);

    // The same file again changes nothing and adds nothing to undo.
    expect(await importBoxesCsv(store, datasetId, second)).toMatchObject({ actionId: null, images: 1, boxes: 1 });
    expect(listHistory(store, datasetId, 10)).toHaveLength(3);
  });

  it('clears the imported boxes of an image named with empty box cells', async () => {
    const { store, datasetId } = seedMaskStore(SEED_PEOPLE, ROOT);
    const mask1 = `images/${alice}/mask1.jpg`;
    await importBoxesCsv(store, datasetId, writeCsv('a.csv', ['path,x,y,w,h', `${mask1},1,1,10,10`]));
    const result = await importBoxesCsv(store, datasetId, writeCsv('b.csv', ['path,x,y,w,h', `${mask1},,,,`]));
    expect(result).toMatchObject({ images: 1, boxes: 0, problems: [] });
    expect(rects(store, mask1)).toEqual([]);
    undo(store, datasetId);
    expect(rects(store, mask1)).toEqual([['imported', 1, 1, 10, 10]]);
  });

  it('refuses a file it cannot use with a clear reason, changing nothing', async () => {
    const { store, db, datasetId } = seedMaskStore(SEED_PEOPLE, ROOT);
    const attempt = (path: string, id = datasetId) => importBoxesCsv(store, id, path);
    await expect(attempt('/no/such/boxes.csv')).rejects.toMatchObject({
      code: 'not-found',
      message: 'no file at /no/such/boxes.csv',
    });
    await expect(attempt(writeCsv('nopath.csv', ['file,x,y,w,h', 'a.jpg,1,2,3,4']))).rejects.toMatchObject({
      code: 'invalid-argument',
      message: 'nopath.csv has no "path" column (found: file, x, y, w, h)',
    });
    await expect(attempt(writeCsv('nobox.csv', ['path,label', 'a.jpg,1']))).rejects.toMatchObject({
      code: 'invalid-argument',
      message: 'nobox.csv has no box columns: x,y,w,h or x1,y1,x2,y2 (found: path, label)',
    });
    await expect(attempt(writeCsv('half.csv', ['path,x1,y1,x2', 'a.jpg,1,2,3']))).rejects.toMatchObject({
      message: 'half.csv has no "y2" column (found: path, x1, y1, x2)',
    });
    await expect(attempt(writeCsv('both.csv', ['path,x,y,w,h,x2,y2', 'a.jpg,1,2,3,4,5,6']))).rejects.toMatchObject({
      message: 'both.csv has both x,y,w,h and x1,y1,x2,y2 box columns; keep one set',
    });
    await expect(attempt(writeCsv('ok.csv', ['path,x,y,w,h']), 42)).rejects.toMatchObject({ code: 'not-found' });
    expect(await importBoxesCsv(store, datasetId, writeCsv('empty.csv', ['path,x,y,w,h']))).toEqual({
      actionId: null,
      images: 0,
      boxes: 0,
      problems: [],
    });
    expect(allBoxes(db)).toEqual([]);
    expect(listHistory(store, datasetId, 10)).toEqual([]);
  });
});
