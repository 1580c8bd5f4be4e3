import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanCsv } from './csv-scanner';
import type { ScanOptions } from './scanned-dataset';

let dir: string;
const opts = (): ScanOptions => ({ materializeDir: join(dir, 'unused') });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-csv-'));
  await mkdir(join(dir, 'set', 'img'), { recursive: true });
  // Scanners never decode, so the image files need not hold pixels.
  for (const name of ['a.jpg', 'b.jpg', 'c.png', 'd.jpg', 'e.jpg', 'f.jpg'])
    await writeFile(join(dir, 'set', 'img', name), 'x');
  await writeFile(join(dir, 'outside.jpg'), 'x');
  await symlink(join(dir, 'outside.jpg'), join(dir, 'set', 'img', 'link.jpg'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scanCsv', () => {
  it('reads labels, groups and boxes, and reports each bad row', async () => {
    const lines = [
      'path,label,group,x,y,w,h',
      'img/a.jpg,10,p1,1,2,30,40',
      'img/a.jpg,10,p1,5,6,7,8', // a second box for the same image
      'img\\b.jpg,2,p1,,,,', // Windows separator, no box
      'img/c.png,1,,0,0,x,4',
      'img/d.jpg,,p2,1,1,1,1',
      'img/a.jpg,2,p1,1,1,1,1',
      '../outside.jpg,1,,,,,',
      'img/link.jpg,1,,,,,',
      'img/missing.jpg,1,,,,,',
      'img/e.jpg,"cat, big",p3,,,,',
    ];
    await writeFile(join(dir, 'set', 'labels.csv'), lines.join('\n'));
    const scanned = await scanCsv(join(dir, 'set', 'labels.csv'), opts());
    expect(scanned.problems).toEqual([
      {
        path: 'labels.csv:5',
        reason: 'bad box (0, 0, x, 4): x, y, w and h must all be numbers; image kept without this box',
      },
      { path: 'labels.csv:6', reason: 'empty label' },
      { path: 'labels.csv:7', reason: 'label "2" conflicts with "10" for the same image on line 2' },
      { path: 'labels.csv:8', reason: 'path "../outside.jpg" uses ".." to leave its folder' },
      { path: 'img/link.jpg', reason: 'link to a file outside the dataset folder' },
      { path: 'img/missing.jpg', reason: 'file not found' },
    ]);
    expect(scanned.labelNames).toEqual(['1', '2', '10', 'cat, big']);
    expect(scanned.images).toEqual([
      {
        relPath: 'img/a.jpg',
        subjectKey: 'p1',
        slot: null,
        mask: null,
        label: 2,
        boxes: [
          { x: 1, y: 2, w: 30, h: 40 },
          { x: 5, y: 6, w: 7, h: 8 },
        ],
      },
      { relPath: 'img/b.jpg', subjectKey: 'p1', slot: null, mask: null, label: 1, boxes: [] },
      { relPath: 'img/c.png', subjectKey: null, slot: null, mask: null, label: 0, boxes: [] },
      { relPath: 'img/e.jpg', subjectKey: 'p3', slot: null, mask: null, label: 3, boxes: [] },
    ]);
    expect(scanned.subjects.map((s) => [s.key, s.sourceRow])).toEqual([
      ['p1', 0],
      ['p3', 9],
    ]);
    expect(scanned).toMatchObject({ kind: 'csv', name: 'labels', source: join(dir, 'set', 'labels.csv') });
    expect(scanned.sourceTable).toMatchObject({ fileName: 'labels.csv', finalNewline: false, newline: '\n' });
    expect(scanned.sourceTable?.rows.map((row) => row.raw)).toEqual(lines.slice(1));
  });

  it('reads boxes written as x1,y1,x2,y2 corners, one row per box', async () => {
    const lines = [
      'path,label,X1,Y1,X2,Y2',
      'img/a.jpg,cat,1,2,31,42',
      'img/a.jpg,cat,5,6,12,14',
      'img/b.jpg,dog,,,,',
      'img/c.png,dog,10,10,5,20',
    ];
    await writeFile(join(dir, 'set', 'corners.csv'), lines.join('\n'));
    const scanned = await scanCsv(join(dir, 'set', 'corners.csv'), opts());
    expect(scanned.problems).toEqual([
      {
        path: 'corners.csv:5',
        reason:
          'bad box (10, 10, 5, 20): x2 must be greater than x1 and y2 greater than y1; image kept without this box',
      },
    ]);
    expect(scanned.images.map((image) => [image.relPath, image.boxes])).toEqual([
      [
        'img/a.jpg',
        [
          { x: 1, y: 2, w: 30, h: 40 },
          { x: 5, y: 6, w: 7, h: 8 },
        ],
      ],
      ['img/b.jpg', []],
      ['img/c.png', []],
    ]);
    await writeFile(join(dir, 'set', 'bothboxes.csv'), 'path,label,x,y,w,h,x1\nimg/a.jpg,cat,1,2,3,4,1\n');
    await expect(scanCsv(join(dir, 'set', 'bothboxes.csv'), opts())).rejects.toThrow(
      'bothboxes.csv has both x,y,w,h and x1,y1,x2,y2 box columns; keep one set',
    );
  });

  it('reports repeated paths when there are no box columns', async () => {
    await writeFile(join(dir, 'set', 'plain.csv'), 'Path,Label\nimg/a.jpg,cat\nimg/f.jpg,dog\nimg/a.jpg,cat\n');
    const scanned = await scanCsv(join(dir, 'set', 'plain.csv'), opts());
    expect(scanned.problems).toEqual([{ path: 'plain.csv:4', reason: 'duplicate path "img/a.jpg" (first on line 2)' }]);
    expect(scanned.images.map((image) => [image.relPath, image.label])).toEqual([
      ['img/a.jpg', 0],
      ['img/f.jpg', 1],
    ]);
    expect(scanned.labelNames).toEqual(['cat', 'dog']);
  });

  it('refuses a CSV missing a needed column, naming it', async () => {
    await writeFile(join(dir, 'set', 'nolabel.csv'), 'path,class\nimg/a.jpg,cat\n');
    await expect(scanCsv(join(dir, 'set', 'nolabel.csv'), opts())).rejects.toThrow(
      'nolabel.csv has no "label" column (found: path, class)',
    );
    await writeFile(join(dir, 'set', 'halfbox.csv'), 'path,label,x,y\nimg/a.jpg,cat,1,2\n');
    await expect(scanCsv(join(dir, 'set', 'halfbox.csv'), opts())).rejects.toThrow(
      'halfbox.csv has no "w", "h" columns (found: path, label, x, y)',
    );
  });
});
