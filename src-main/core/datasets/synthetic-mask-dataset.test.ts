import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASK_SLOTS } from '../../shared/label-schema';
import { probeAndThumbnail } from '../media/image-decoder';
import { makeMaskDataset } from './synthetic-mask-dataset';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-synthetic-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('makeMaskDataset', () => {
  it('writes the competition layout, the same for the same seed', async () => {
    const opts = { persons: 12, seed: 42, width: 48, height: 64, extVariety: true };
    const made = await makeMaskDataset(join(dir, 'a'), opts);
    const again = await makeMaskDataset(join(dir, 'b'), opts);
    expect(again).toEqual(made);
    expect(made.images).toBe(84);

    const csv = await readFile(join(dir, 'a', 'train.csv'), 'utf8');
    expect(csv).toBe(await readFile(join(dir, 'b', 'train.csv'), 'utf8'));
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('id,gender,race,age,path');
    expect(lines).toHaveLength(13);
    const first = made.persons[0]!;
    expect(lines[1]).toBe(
      `000001,${first.gender},${first.race},${first.age},000001_${first.gender}_${first.race}_${first.age}`,
    );

    const files = (await Promise.all(made.persons.map((p) => readdir(join(dir, 'a', 'images', p.path))))).flat();
    expect(files).toHaveLength(84);
    expect(new Set(files.map((name) => name.split('.')[0]))).toEqual(new Set(MASK_SLOTS));
    expect(new Set(files.map((name) => name.split('.')[1]))).toEqual(new Set(['jpg', 'jpeg', 'png']));
    const sample = join('images', first.path, files[0]!);
    expect((await readFile(join(dir, 'a', sample))).equals(await readFile(join(dir, 'b', sample)))).toBe(true);
    await expect(probeAndThumbnail(join(dir, 'a', sample), join(dir, 'thumb.webp'))).resolves.toEqual({
      width: 48,
      height: 64,
    });

    const other = await makeMaskDataset(join(dir, 'c'), { ...opts, seed: 43 });
    expect(other.persons).not.toEqual(made.persons);
  });

  it('plants label errors on distinct persons and says where', async () => {
    const plant = { genderFlips: 3, ageGroupShifts: 2, maskSwaps: 2 };
    const made = await makeMaskDataset(join(dir, 'planted'), { persons: 10, seed: 1, width: 24, height: 32, plant });
    const clean = await makeMaskDataset(join(dir, 'unplanted'), { persons: 10, seed: 1, width: 24, height: 32 });
    const { genderFlips, ageGroupShifts, maskSwaps } = made.planted;
    expect([genderFlips.length, ageGroupShifts.length, maskSwaps.length]).toEqual([3, 2, 2]);
    expect(new Set([...genderFlips, ...ageGroupShifts, ...maskSwaps]).size).toBe(7);
    const byId = (id: string) => clean.persons.find((p) => p.id === id)!;
    for (const path of genderFlips) {
      const written = made.persons.find((p) => p.path === path)!;
      expect(written.gender).not.toBe(byId(written.id).gender);
    }
    for (const path of ageGroupShifts) {
      const written = made.persons.find((p) => p.path === path)!;
      const group = (age: number) => (age < 30 ? 0 : age < 60 ? 1 : 2);
      expect(group(written.age)).not.toBe(group(byId(written.id).age));
    }
    const relabelled = new Set([...genderFlips, ...ageGroupShifts].map((path) => path.slice(0, 6)));
    const untouched = (persons: typeof made.persons) => persons.filter((p) => !relabelled.has(p.id));
    expect(untouched(made.persons)).toEqual(untouched(clean.persons));

    const bytes = (set: string, path: string, slot: string) => readFile(join(dir, set, 'images', path, `${slot}.jpg`));
    for (const slot of ['incorrect_mask', 'normal', 'mask2']) {
      const same = (await bytes('planted', maskSwaps[0]!, slot)).equals(await bytes('unplanted', maskSwaps[0]!, slot));
      expect([slot, same]).toEqual([slot, slot === 'mask2']);
    }
  });
});
