import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanMaskLayout } from './mask-layout-scanner';
import type { ScanOptions } from './scanned-dataset';
import { makeMaskDataset, type SyntheticMaskDataset } from './synthetic-mask-dataset';

let tmp: string;
let clean: string;
let made: SyntheticMaskDataset;
const opts = (): ScanOptions => ({ materializeDir: join(tmp, 'unused') });

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'loupe-mask-'));
  clean = join(tmp, 'clean');
  made = await makeMaskDataset(clean, { persons: 6, seed: 5, width: 24, height: 32, extVariety: true });
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('scanMaskLayout on a well-formed dataset', () => {
  it('reads every person and photo', async () => {
    const progress: string[] = [];
    const scanned = await scanMaskLayout(clean, {
      ...opts(),
      onProgress: (done, total, phase) => progress.push(`${phase} ${done}/${total}`),
    });
    expect(scanned.problems).toEqual([]);
    expect(scanned.kind).toBe('mask');
    expect(scanned.subjects.map((s) => s.key)).toEqual(made.persons.map((p) => p.path));
    expect(scanned.images).toHaveLength(42);
    const first = made.persons[0]!;
    expect(scanned.subjects[0]).toEqual({
      key: first.path,
      externalId: first.id,
      gender: first.gender === 'male' ? 0 : 1,
      age: first.age,
      attributes: { race: first.race },
      sourceRow: 0,
    });
    const slots = scanned.images.slice(0, 7).map((image) => [image.slot, image.mask, image.relPath.split('.')[0]]);
    expect(slots).toEqual([
      ['mask1', 0, `images/${first.path}/mask1`],
      ['mask2', 0, `images/${first.path}/mask2`],
      ['mask3', 0, `images/${first.path}/mask3`],
      ['mask4', 0, `images/${first.path}/mask4`],
      ['mask5', 0, `images/${first.path}/mask5`],
      ['incorrect_mask', 1, `images/${first.path}/incorrect_mask`],
      ['normal', 2, `images/${first.path}/normal`],
    ]);
    expect(scanned.sourceTable).toMatchObject({ header: 'id,gender,race,age,path', newline: '\n', bom: false });
    expect(scanned.sourceTable?.rows.map((row) => row.subjectKey)).toEqual(made.persons.map((p) => p.path));
    expect(progress.at(-1)).toBe('checking person folders 6/6');
  });

  it('accepts the path of train.csv itself', async () => {
    const scanned = await scanMaskLayout(join(clean, 'train.csv'), opts());
    expect(scanned.images).toHaveLength(42);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(scanMaskLayout(clean, { ...opts(), signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('scanMaskLayout on a damaged dataset', () => {
  it('keeps every usable person and reports each problem precisely', async () => {
    const dir = join(tmp, 'damaged');
    const copy = await makeMaskDataset(dir, { persons: 6, seed: 5, width: 24, height: 32, extVariety: true });
    const [p1, p2, p3, p4, p5, p6] = copy.persons.map((p) => p.path) as [string, ...string[]];
    const fileOf = async (person: string, slot: string) =>
      (await readdir(join(dir, 'images', person))).find((name) => name.startsWith(`${slot}.`))!;

    // Person 1: a photo missing, a second file for mask1, a stray image, and files that are not images.
    const mask3 = await fileOf(p1, 'mask3');
    await unlink(join(dir, 'images', p1, mask3));
    const mask1 = await fileOf(p1, 'mask1');
    const otherExt = mask1.endsWith('.png') ? 'mask1.jpg' : 'mask1.png';
    await copyFile(join(dir, 'images', p1, mask1), join(dir, 'images', p1, otherExt));
    await writeFile(join(dir, 'images', p1, 'selfie.JPG'), 'x');
    await writeFile(join(dir, 'images', p1, 'notes.txt'), 'x');
    await writeFile(join(dir, 'images', p1, '.DS_Store'), 'x');
    // Person 2's folder is gone; person 3's `normal` links outside the dataset; person 4's folder is a link out.
    await rm(join(dir, 'images', p2!), { recursive: true });
    const outside = join(tmp, 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'secret.jpg'), 'x');
    const normal3 = await fileOf(p3!, 'normal');
    await unlink(join(dir, 'images', p3!, normal3));
    await symlink(join(outside, 'secret.jpg'), join(dir, 'images', p3!, normal3));
    await rm(join(dir, 'images', p4!), { recursive: true });
    await symlink(outside, join(dir, 'images', p4!));

    const rows = (await readFile(join(dir, 'train.csv'), 'utf8')).trimEnd().split('\n');
    const lines = [
      'id,gender,race,age,path,camera',
      ...rows.slice(1).map((row) => `${row},phone`),
      `${copy.persons[4]!.id},Male,"Asian, East",33,extra_person,"phone, old"`, // shares person 5's id
      `000900,Female,White,-3,${p5},phone`, // duplicate path
      '000901,male,White,abc,../escape,phone',
      '000902,unknown,White,-3,extra_person2,phone', // kept with null gender and age (folder made below)
      '000903,male,White,30,,phone',
      '000904,male,White,30,/etc,phone',
      '000905,male,White,30',
      '000907,female,Asian,twenty,extra_person3,phone',
      '',
      `000906,female,Black,41.5,"${p6}_bis",phone`,
    ];
    await writeFile(join(dir, 'train.csv'), '\uFEFF' + lines.join('\r\n') + '\r\n');
    for (const extra of ['extra_person', 'extra_person2']) {
      await mkdir(join(dir, 'images', extra));
      for (const slot of ['mask1', 'mask2', 'mask3', 'mask4', 'mask5', 'incorrect_mask', 'normal']) {
        await writeFile(join(dir, 'images', extra, `${slot}.jpeg`), 'x');
      }
    }

    const scanned = await scanMaskLayout(dir, opts());
    expect(scanned.problems).toEqual([
      { path: 'train.csv:9', reason: `duplicate path "${p5}" (first on line 6)` },
      { path: 'train.csv:10', reason: 'path "../escape" uses ".." to leave its folder' },
      { path: 'train.csv:11', reason: 'unknown gender "unknown" (expected male or female)' },
      { path: 'train.csv:11', reason: 'age -3 is negative' },
      { path: 'train.csv:12', reason: 'no value in the "path" column' },
      { path: 'train.csv:13', reason: 'absolute path "/etc" (paths must be relative to the dataset folder)' },
      { path: 'train.csv:14', reason: 'row has 4 fields but the header has 6' },
      { path: 'train.csv:15', reason: 'age "twenty" is not a number' },
      { path: 'train.csv:17', reason: 'age 41.5 is not a whole number of years' },
      { path: `images/${p1}/${otherExt}`, reason: `second file for slot mask1 (kept ${[mask1, otherExt].sort()[0]})` },
      {
        path: `images/${p1}/selfie.JPG`,
        reason: 'not one of the 7 expected slots (mask1–mask5, incorrect_mask, normal)',
      },
      { path: `images/${p1}/mask3`, reason: 'missing image for slot mask3' },
      { path: `images/${p2}`, reason: 'person folder not found' },
      { path: `images/${p3}/${normal3}`, reason: 'link to a file outside the dataset folder' },
      { path: `images/${p3}/normal`, reason: 'missing image for slot normal' },
      { path: `images/${p4}`, reason: 'person folder is a link to outside the dataset folder' },
      { path: 'images/extra_person3', reason: 'person folder not found' },
      { path: `images/${p6}_bis`, reason: 'person folder not found' },
    ]);
    expect(scanned.subjects.map((s) => s.key)).toEqual([p1, p3, p5, p6, 'extra_person', 'extra_person2']);
    expect(scanned.images).toHaveLength(6 + 6 + 7 + 7 + 7 + 7);
    const extra = scanned.subjects.find((s) => s.key === 'extra_person');
    expect(extra).toMatchObject({
      externalId: copy.persons[4]!.id,
      gender: 0,
      age: 33,
      attributes: { race: 'Asian, East', camera: 'phone, old' },
    });
    expect(scanned.subjects.find((s) => s.key === 'extra_person2')).toMatchObject({ gender: null, age: null });

    const table = scanned.sourceTable!;
    expect(table).toMatchObject({ header: lines[0], newline: '\r\n', bom: true, finalNewline: true });
    expect(table.rows.map((row) => row.raw)).toEqual(lines.slice(1));
    expect(table.rows.map((row) => row.subjectKey)).toEqual([
      p1,
      null,
      p3,
      null,
      p5,
      p6,
      'extra_person',
      null,
      null,
      'extra_person2',
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('refuses a folder without images/', async () => {
    const dir = join(tmp, 'no-images');
    await mkdir(dir);
    await writeFile(join(dir, 'train.csv'), 'id,gender,race,age,path\n');
    await expect(scanMaskLayout(dir, opts())).rejects.toThrow('has no images/ folder');
  });

  it('refuses a train.csv without a needed column', async () => {
    const dir = join(tmp, 'no-age');
    await mkdir(join(dir, 'images'), { recursive: true });
    await writeFile(join(dir, 'train.csv'), 'id,gender,race,path\n1,male,Asian,a\n');
    await expect(scanMaskLayout(dir, opts())).rejects.toThrow(
      'train.csv has no "age" column (found: id, gender, race, path)',
    );
  });
});
