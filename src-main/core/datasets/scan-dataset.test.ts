import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat, scanDataset } from './scan-dataset';
import { makeMaskDataset } from './synthetic-mask-dataset';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-detect-'));
  await makeMaskDataset(join(dir, 'mask'), { persons: 2, width: 12, height: 16 });
  const files = [
    'labels/l.csv',
    'idx/a-images-idx3-ubyte.gz',
    'folders/cat/1.jpg',
    'folders/notes.txt',
    'docs/readme.md',
  ];
  for (const file of files) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), 'x');
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('detectFormat', () => {
  it.each([
    ['mask', 'mask'],
    ['labels/l.csv', 'csv'],
    ['idx', 'idx'],
    ['idx/a-images-idx3-ubyte.gz', 'idx'],
    ['folders', 'folders'],
  ])('tells %s is %s', async (path, format) => {
    await expect(detectFormat(join(dir, path))).resolves.toBe(format);
  });

  it('explains what it expected when nothing fits', async () => {
    await expect(detectFormat(join(dir, 'docs'))).rejects.toThrow(
      /Cannot tell the format of .*docs: expected train.csv/,
    );
    await expect(detectFormat(join(dir, 'docs', 'readme.md'))).rejects.toThrow('expected a .csv file or an IDX file');
  });
});

describe('scanDataset', () => {
  it('scans with the detected scanner', async () => {
    const scanned = await scanDataset(join(dir, 'mask'), 'auto', { materializeDir: join(dir, 'unused') });
    expect([scanned.kind, scanned.images.length, scanned.problems.length]).toEqual(['mask', 14, 0]);
    const folders = await scanDataset(join(dir, 'folders'), 'folders', { materializeDir: join(dir, 'unused') });
    expect(folders.labelNames).toEqual(['cat']);
  });

  it('names a path that does not exist', async () => {
    await expect(scanDataset(join(dir, 'nope'), 'auto', { materializeDir: dir })).rejects.toThrow(
      `${join(dir, 'nope')} does not exist`,
    );
  });
});
