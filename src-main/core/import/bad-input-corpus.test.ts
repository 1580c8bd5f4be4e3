// The messy-folder corpus, built at test time and imported through the real import job, once as a label CSV and
// once in the competition layout: each bad item must come back as its own problem with an exact reason, every
// valid item must be imported, and the counts must be exact.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportProblem } from '../../shared/api-contract';
import { cachePathsFor } from '../cache-paths';
import type { Db } from '../db/open-database';
import { openStore, type SqliteStore } from '../db/sqlite-store';
import { importDataset } from './import-job';

const SLOTS = ['mask1', 'mask2', 'mask3', 'mask4', 'mask5', 'incorrect_mask', 'normal'] as const;
const SLOT_LIST = 'mask1–mask5, incorrect_mask, normal';
const BOM = '\uFEFF';

let work: string;
let outside: string;
const bytes: Record<string, Buffer> = {};

/** A noisy picture, so that cutting or garbling it leaves real compressed data behind. */
function noise(width: number, height: number, channels: 1 | 3 = 3): Buffer {
  const pixels = Buffer.alloc(width * height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
  return pixels;
}

const raw = (width: number, height: number, channels: 1 | 3 = 3) =>
  sharp(noise(width, height, channels), { raw: { width, height, channels } });

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A ~1 KB PNG declaring 30,000×30,000 grey pixels: 900 megapixels once decoded. */
function decompressionBomb(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(30_000, 0);
  header.writeUInt32BE(30_000, 4);
  header[8] = 8; // bit depth; colour type 0 (grey), default compression, filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1 << 20))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'loupe-corpus-'));
  outside = join(work, 'outside');
  mkdirSync(outside);
  const jpeg = await raw(64, 48).jpeg().toBuffer();
  const png = await raw(64, 48).png().toBuffer();
  Object.assign(bytes, {
    jpeg,
    png,
    cmyk: await raw(64, 48).toColourspace('cmyk').jpeg().toBuffer(),
    deep: await raw(64, 48).toColourspace('rgb16').png().toBuffer(),
    grayPng: await raw(64, 48, 1).toColourspace('b-w').png().toBuffer(),
    grayJpeg: await raw(64, 48, 1).toColourspace('b-w').jpeg().toBuffer(),
    // Stored 80 wide × 48 high with EXIF orientation 6 (rotate 90° clockwise): upright it is 48×80.
    rotated: await raw(80, 48).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
    corrupt: Buffer.concat([jpeg.subarray(0, 20), Buffer.alloc(jpeg.length - 20, 0x55)]),
    truncated: png.subarray(0, Math.floor(png.length / 2)),
    text: Buffer.from('id,name\nthis is a text file, not a JPEG\n'),
    bomb: decompressionBomb(),
  });
  writeFileSync(join(outside, 'secret.jpg'), jpeg);
  // Sanity of the corpus itself: the odd-but-valid files really are what they claim.
  expect((await sharp(bytes.cmyk).metadata()).space).toBe('cmyk');
  expect((await sharp(bytes.deep).metadata()).depth).toBe('ushort');
  expect((await sharp(bytes.grayJpeg).metadata()).channels).toBe(1);
  expect(await sharp(bytes.rotated).metadata()).toMatchObject({ width: 80, height: 48, orientation: 6 });
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function freshStore(): { store: SqliteStore; db: Db; cache: ReturnType<typeof cachePathsFor> } {
  const dbPath = join(mkdtempSync(join(work, 'store-')), 'loupe.db');
  const store = openStore(dbPath);
  return { store, db: store.db, cache: cachePathsFor(dbPath) };
}

const byPathAndReason = (a: ImportProblem, b: ImportProblem) =>
  a.path.localeCompare(b.path) || a.reason.localeCompare(b.reason);
const sorted = (problems: readonly ImportProblem[]) => [...problems].sort(byPathAndReason);

function put(root: string, relPath: string, content: Buffer | string): void {
  const file = join(root, relPath);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, content);
}

/** A CSV file from rows given as text or raw bytes, with BOM and CRLF line endings. */
function crlfCsv(header: string, rows: (string | Buffer)[]): Buffer {
  return Buffer.concat([
    Buffer.from(BOM + header + '\r\n'),
    ...rows.flatMap((row) => [typeof row === 'string' ? Buffer.from(row) : row, Buffer.from('\r\n')]),
  ]);
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');

async function thumbSize(db: Db, relPath: string) {
  const { thumb } = db.prepare('SELECT thumb FROM images WHERE rel_path = ?').get(relPath) as { thumb: string };
  // Stored relative to the store's cache (cache-paths.ts).
  const meta = await sharp(cachePathsFor(db.name).fromStored(thumb)).metadata();
  return { width: meta.width, height: meta.height, orientation: meta.orientation, space: meta.space };
}

describe('bad-input corpus, label CSV', () => {
  let root: string;
  /** Rows as written, each with the problem its line must produce (null: valid, or blank). */
  let rows: { row: string | Buffer; problem: string | null }[];

  beforeAll(() => {
    root = join(work, 'csv');
    const files: Record<string, Buffer> = {
      'images/good.jpg': bytes.jpeg!,
      'images/cmyk.jpg': bytes.cmyk!,
      'images/deep.png': bytes.deep!,
      'images/gray.png': bytes.grayPng!,
      'images/gray.jpg': bytes.grayJpeg!,
      'images/rotated.jpg': bytes.rotated!,
      'images/ünïcödé 写真.jpg': bytes.jpeg!,
      'images/with space.jpg': bytes.png!,
      'images/a, b.jpg': bytes.jpeg!,
      'images/corrupt.jpg': bytes.corrupt!,
      'images/truncated.png': bytes.truncated!,
      'images/zero.jpg': Buffer.alloc(0),
      'images/text.jpg': bytes.text!,
      'images/bomb.png': bytes.bomb!,
    };
    for (const [relPath, content] of Object.entries(files)) put(root, relPath, content);
    mkdirSync(join(root, 'images/folder.jpg'));
    symlinkSync(join(root, 'images/good.jpg'), join(root, 'images/inner-link.jpg'));
    symlinkSync(join(outside, 'secret.jpg'), join(root, 'images/escape-link.jpg'));
    const secret = join(outside, 'secret.jpg');
    rows = [
      { row: 'images/good.jpg,cat,p1,', problem: null },
      { row: 'images/cmyk.jpg,cat,p1,"a note, with a comma"', problem: null },
      { row: '', problem: null },
      { row: 'images/deep.png,dog,p2,', problem: null },
      { row: 'images/gray.png,dog,p2,', problem: null },
      { row: 'images/gray.jpg,dog,,', problem: null },
      { row: 'images/rotated.jpg,cat,,', problem: null },
      { row: 'images/ünïcödé 写真.jpg,cat,,', problem: null },
      { row: 'images/with space.jpg,dog,,', problem: null },
      { row: '"images/a, b.jpg",dog,,', problem: null },
      { row: 'images/inner-link.jpg,cat,,', problem: null },
      { row: 'images/corrupt.jpg,cat,p3,', problem: null },
      { row: 'images/truncated.png,cat,,', problem: null },
      { row: 'images/zero.jpg,cat,,', problem: null },
      { row: 'images/text.jpg,cat,,', problem: null },
      { row: 'images/bomb.png,cat,,', problem: null },
      { row: 'images/folder.jpg,cat,,', problem: null },
      { row: 'images/escape-link.jpg,cat,,', problem: null },
      { row: 'images/missing.jpg,cat,,', problem: null },
      { row: '../outside/secret.jpg,cat,,', problem: 'path "../outside/secret.jpg" uses ".." to leave its folder' },
      { row: 'images/../images/good.jpg,cat,,', problem: 'path "images/../images/good.jpg" uses ".." to leave its folder' },
      { row: `${secret},cat,,`, problem: `absolute path "${secret}" (paths must be relative to the dataset folder)` },
      { row: 'images/good.jpg,dog,,', problem: 'duplicate path "images/good.jpg" (first on line 2)' },
      { row: 'images/short.jpg,cat', problem: 'row has 2 fields but the header has 4' },
      { row: 'images/long.jpg,cat,p1,note,extra', problem: 'row has 5 fields but the header has 4' },
      { row: latin1('images/café.jpg,cat,,'), problem: 'row contains bytes that are not UTF-8' },
      { row: 'images/nolabel.jpg,,,', problem: 'empty label' },
      { row: '"images/open.jpg,cat,,', problem: 'malformed CSV row: quote never closed' },
      { row: '', problem: null },
      { row: '', problem: null },
    ];
    writeFileSync(join(root, 'labels.csv'), crlfCsv('path,label,group,notes', rows.map((r) => r.row)));
  });

  it('imports every valid image and gives each bad item its own exact problem', async () => {
    const { store, db, cache } = freshStore();
    const result = await importDataset(store, cache, join(root, 'labels.csv'), 'csv');

    const rowProblems = rows.flatMap(({ problem }, i) => (problem ? [{ path: `labels.csv:${i + 2}`, reason: problem }] : []));
    expect(sorted(result.problems)).toEqual(
      sorted([
        ...rowProblems,
        { path: 'images/corrupt.jpg', reason: 'truncated or corrupt image data' },
        { path: 'images/truncated.png', reason: 'truncated or corrupt image data' },
        { path: 'images/zero.jpg', reason: 'zero-byte file' },
        { path: 'images/text.jpg', reason: 'not an image (unrecognised format)' },
        { path: 'images/bomb.png', reason: 'image too large (30000×30000 exceeds 100 megapixels)' },
        { path: 'images/folder.jpg', reason: 'not a file' },
        { path: 'images/escape-link.jpg', reason: 'link to a file outside the dataset folder' },
        { path: 'images/missing.jpg', reason: 'file not found' },
      ]),
    );
    const stored = (db.prepare('SELECT rel_path FROM images ORDER BY rel_path').all() as { rel_path: string }[]).map(
      (r) => r.rel_path,
    );
    expect(stored).toEqual(
      [
        'images/a, b.jpg',
        'images/cmyk.jpg',
        'images/deep.png',
        'images/good.jpg',
        'images/gray.jpg',
        'images/gray.png',
        'images/inner-link.jpg',
        'images/rotated.jpg',
        'images/with space.jpg',
        'images/ünïcödé 写真.jpg',
      ].sort(),
    );
    // p3's only image was corrupt, so p3 is no group in the store.
    expect(result).toMatchObject({ images: 10, subjects: 2, added: 10 });
    expect(db.prepare('SELECT key FROM subjects ORDER BY key').all()).toEqual([{ key: 'p1' }, { key: 'p2' }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM import_problems').get()).toEqual({ n: result.problems.length });

    // The first row wins for a duplicated path; the label names are the kept rows' labels.
    const good = db
      .prepare('SELECT l.label FROM images i JOIN image_labels l ON l.image_id = i.id WHERE i.rel_path = ?')
      .get('images/good.jpg') as { label: number };
    const { label_names } = db.prepare('SELECT label_names FROM datasets').get() as { label_names: string };
    expect((JSON.parse(label_names) as string[])[good.label]).toBe('cat');

    // Sizes are the upright ones, and so is the thumbnail; odd colour spaces become plain sRGB thumbnails.
    expect(db.prepare('SELECT width, height FROM images WHERE rel_path = ?').get('images/rotated.jpg')).toEqual({
      width: 48,
      height: 80,
    });
    expect(await thumbSize(db, 'images/rotated.jpg')).toMatchObject({ width: 48, height: 80, orientation: undefined });
    expect(await thumbSize(db, 'images/cmyk.jpg')).toMatchObject({ width: 64, height: 48, space: 'srgb' });
    expect(await thumbSize(db, 'images/deep.png')).toMatchObject({ width: 64, height: 48, space: 'srgb' });

    // The source table keeps every row, blank and bad ones included, for export.
    expect(db.prepare('SELECT COUNT(*) AS n FROM source_rows').get()).toEqual({ n: rows.length });
    expect(db.prepare('SELECT bom, newline FROM source_tables').get()).toEqual({ bom: 1, newline: '\r\n' });

    const again = await importDataset(store, cache, join(root, 'labels.csv'), 'csv');
    expect(again).toMatchObject({ images: 10, subjects: 2, added: 0 });
    expect(sorted(again.problems)).toEqual(sorted(result.problems));
  });

  it('fails the whole import with a clear error when a required column is missing, writing nothing', async () => {
    const { store, db, cache } = freshStore();
    const file = join(root, 'no-label.csv');
    writeFileSync(file, 'path,group\r\nimages/good.jpg,p1\r\n');
    await expect(importDataset(store, cache, file, 'csv')).rejects.toThrow(
      'no-label.csv has no "label" column (found: path, group)',
    );
    const badHeader = join(root, 'bad-header.csv');
    writeFileSync(badHeader, Buffer.concat([latin1('path,label,légende\n'), Buffer.from('images/good.jpg,cat,x\n')]));
    await expect(importDataset(store, cache, badHeader, 'csv')).rejects.toThrow(
      'bad-header.csv is not UTF-8 text; save it as UTF-8 and import again',
    );
    expect(db.prepare('SELECT COUNT(*) AS n FROM datasets').get()).toEqual({ n: 0 });
  });

  // The sandbox runs as root, which reads a file whatever its mode: there this cannot fail, so it is skipped.
  it.skipIf(process.getuid?.() === 0)('reports an unreadable file', async () => {
    const dir = join(work, 'unreadable');
    put(dir, 'locked.jpg', bytes.jpeg!);
    put(dir, 'open.jpg', bytes.jpeg!);
    chmodSync(join(dir, 'locked.jpg'), 0o000);
    writeFileSync(join(dir, 'labels.csv'), 'path,label\nlocked.jpg,cat\nopen.jpg,cat\n');
    const { store, cache } = freshStore();
    const result = await importDataset(store, cache, join(dir, 'labels.csv'), 'csv');
    expect(result.problems).toEqual([{ path: 'locked.jpg', reason: 'unreadable file (permission denied)' }]);
    expect(result.images).toBe(1);
  });
});

describe('bad-input corpus, competition layout', () => {
  let root: string;
  let rows: { row: string | Buffer; problem: string | null }[];
  const P1 = '000001_female_Asian_45';
  const P2 = '000002_male_Asian_22';
  const P3 = '000003_robot_Asian_abc';
  const P6 = '000006_male_Asian_30';
  const P7 = '000007_female_Asian_31';
  const P8 = '000008_female_Asian_30 ü 写';
  const P9 = '000009_male_Asian_50';
  const P13 = '000013_female_Asian_40';
  const P15 = '000015_male_Asian_20';

  beforeAll(() => {
    root = join(work, 'mask');
    const person = (path: string, files: Partial<Record<string, Buffer>>) => {
      for (const [name, content] of Object.entries(files)) put(root, `images/${path}/${name}`, content!);
    };
    const sevenGood = Object.fromEntries(SLOTS.map((slot) => [`${slot}.jpg`, bytes.jpeg!]));
    person(P1, {
      'mask1.jpg': bytes.cmyk,
      'mask2.png': bytes.deep,
      'mask3.jpeg': bytes.grayJpeg,
      'mask4.jpg': bytes.rotated,
      'mask5.jpg': bytes.jpeg,
      'incorrect_mask.png': bytes.png,
      'normal.jpg': bytes.jpeg,
      'normal.png': bytes.png,
      'mask6.jpg': bytes.jpeg,
      '.DS_Store': Buffer.from('mac'),
      'notes.txt': Buffer.from('not an image name: skipped'),
    });
    person(P2, {
      'mask1.jpg': bytes.corrupt,
      'mask2.png': bytes.truncated,
      'mask3.jpg': Buffer.alloc(0),
      'mask4.jpg': bytes.text,
      'mask5.png': bytes.bomb,
      'incorrect_mask.jpg': bytes.jpeg,
    });
    person(P3, sevenGood);
    mkdirSync(join(outside, 'person'));
    symlinkSync(join(outside, 'person'), join(root, 'images', P7));
    person(P8, sevenGood);
    person(P9, Object.fromEntries(SLOTS.slice(1).map((slot) => [`${slot}.jpg`, bytes.jpeg!])));
    symlinkSync(join(outside, 'secret.jpg'), join(root, 'images', P9, 'mask1.jpg'));
    person(P13, sevenGood);
    person(P15, Object.fromEntries(SLOTS.map((slot) => [`${slot}.jpg`, Buffer.alloc(0)])));
    rows = [
      { row: `000001,female,Asian,45,${P1}`, problem: null },
      { row: `000002,male,Asian,22,${P2}`, problem: null },
      { row: '', problem: null },
      { row: `000003,robot,Asian,abc,${P3}`, problem: 'unknown gender "robot" (expected male or female)' },
      { row: '000004,male,Asian,25,../escape', problem: 'path "../escape" uses ".." to leave its folder' },
      { row: `000005,female,Asian,45,${P1}`, problem: `duplicate path "${P1}" (first on line 2)` },
      { row: `000006,male,Asian,30,${P6}`, problem: null },
      { row: `000007,female,Asian,31,${P7}`, problem: null },
      { row: `000008,female,Asian,30,${P8}`, problem: null },
      { row: `000009,male,Asian,50,${P9}`, problem: null },
      { row: '000010,male,Asian,33', problem: 'row has 4 fields but the header has 5' },
      { row: '000011,male,Asian,33,000011_male_Asian_33,extra', problem: 'row has 6 fields but the header has 5' },
      { row: latin1('000012,male,Asian,33,000012_José'), problem: 'row contains bytes that are not UTF-8' },
      { row: `000013,female,"Asian, East",40,${P13}`, problem: null },
      { row: '000014,male,Asian,20,/etc', problem: 'absolute path "/etc" (paths must be relative to the dataset folder)' },
      { row: `000015,male,Asian,20,${P15}`, problem: null },
      { row: '', problem: null },
    ];
    writeFileSync(join(root, 'train.csv'), crlfCsv('id,gender,race,age,path', rows.map((r) => r.row)));
  });

  it('imports every valid photo and gives each bad item its own exact problem', async () => {
    const { store, db, cache } = freshStore();
    const result = await importDataset(store, cache, root, 'auto');

    const rowProblems = rows.flatMap(({ problem }, i) => (problem ? [{ path: `train.csv:${i + 2}`, reason: problem }] : []));
    const img = (path: string, name: string) => `images/${path}/${name}`;
    expect(sorted(result.problems)).toEqual(
      sorted([
        ...rowProblems,
        { path: 'train.csv:5', reason: 'age "abc" is not a number' },
        { path: img(P1, 'mask6.jpg'), reason: `not one of the 7 expected slots (${SLOT_LIST})` },
        { path: img(P1, 'normal.png'), reason: 'second file for slot normal (kept normal.jpg)' },
        { path: img(P2, 'mask1.jpg'), reason: 'truncated or corrupt image data' },
        { path: img(P2, 'mask2.png'), reason: 'truncated or corrupt image data' },
        { path: img(P2, 'mask3.jpg'), reason: 'zero-byte file' },
        { path: img(P2, 'mask4.jpg'), reason: 'not an image (unrecognised format)' },
        { path: img(P2, 'mask5.png'), reason: 'image too large (30000×30000 exceeds 100 megapixels)' },
        { path: img(P2, 'normal'), reason: 'missing image for slot normal' },
        { path: `images/${P6}`, reason: 'person folder not found' },
        { path: `images/${P7}`, reason: 'person folder is a link to outside the dataset folder' },
        { path: img(P9, 'mask1.jpg'), reason: 'link to a file outside the dataset folder' },
        { path: img(P9, 'mask1'), reason: 'missing image for slot mask1' },
        ...SLOTS.map((slot) => ({ path: img(P15, `${slot}.jpg`), reason: 'zero-byte file' })),
      ]),
    );

    // P1 7 + P2 1 + P3 7 + P8 7 + P9 6 + P13 7; P15's photos all failed, so P15 is no person in the store.
    expect(result).toMatchObject({ images: 35, subjects: 6, added: 35 });
    const perPerson = db
      .prepare('SELECT s.key, COUNT(i.id) AS n FROM subjects s LEFT JOIN images i ON i.subject_id = s.id GROUP BY s.id ORDER BY s.key')
      .all();
    expect(perPerson).toEqual([
      { key: P1, n: 7 },
      { key: P2, n: 1 },
      { key: P3, n: 7 },
      { key: P8, n: 7 },
      { key: P9, n: 6 },
      { key: P13, n: 7 },
    ]);
    // A bad gender or age is kept as unknown on a person the reviewer can fix; quoted commas survive.
    expect(db.prepare('SELECT gender, age FROM subjects WHERE key = ?').get(P3)).toEqual({ gender: null, age: null });
    const { attributes } = db.prepare('SELECT attributes FROM subjects WHERE key = ?').get(P13) as { attributes: string };
    expect(JSON.parse(attributes)).toEqual({ race: 'Asian, East' });
    expect(db.prepare('SELECT width, height FROM images WHERE rel_path = ?').get(img(P1, 'mask4.jpg'))).toEqual({
      width: 48,
      height: 80,
    });
    expect(await thumbSize(db, img(P1, 'mask4.jpg'))).toMatchObject({ width: 48, height: 80, orientation: undefined });
    expect(db.prepare('SELECT COUNT(*) AS n FROM source_rows').get()).toEqual({ n: rows.length });
    expect(
      db.prepare('SELECT COUNT(*) AS n FROM images i LEFT JOIN image_labels l ON l.image_id = i.id WHERE l.image_id IS NULL').get(),
    ).toEqual({ n: 0 });
  });

  it('fails the whole import with a clear error when a required column is missing', async () => {
    const dir = join(work, 'mask-no-age');
    put(dir, `images/${P1}/mask1.jpg`, bytes.jpeg!);
    writeFileSync(join(dir, 'train.csv'), `id,gender,race,path\n000001,female,Asian,${P1}\n`);
    const { store, db, cache } = freshStore();
    await expect(importDataset(store, cache, dir, 'mask')).rejects.toThrow(
      'train.csv has no "age" column (found: id, gender, race, path)',
    );
    expect(db.prepare('SELECT COUNT(*) AS n FROM datasets').get()).toEqual({ n: 0 });
  });
});
