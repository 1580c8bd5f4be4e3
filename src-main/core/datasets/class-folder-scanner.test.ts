import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanClassFolders } from './class-folder-scanner';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-folders-'));
  const files = [
    'set/dog/b.jpg',
    'set/dog/a10.png',
    'set/dog/a2.JPEG',
    'set/dog/notes.txt',
    'set/dog/.hidden.jpg',
    'set/dog/nested/deep.jpg',
    'set/cat10/x.webp',
    'set/cat2/y.jpg',
    'set/empty/readme.md',
    'set/.git/z.jpg',
    'set/stray.jpg',
    'elsewhere/secret.jpg',
  ];
  for (const file of files) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), 'x');
  }
  await symlink(join(dir, 'elsewhere/secret.jpg'), join(dir, 'set/dog/escape.jpg'));
  await symlink(join(dir, 'elsewhere'), join(dir, 'set/linked'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scanClassFolders', () => {
  it('labels images by their folder, one level deep', async () => {
    const scanned = await scanClassFolders(join(dir, 'set'), { materializeDir: join(dir, 'unused') });
    expect(scanned.labelNames).toEqual(['cat2', 'cat10', 'dog']);
    expect(scanned.images.map((image) => [image.relPath, image.label])).toEqual([
      ['cat2/y.jpg', 0],
      ['cat10/x.webp', 1],
      ['dog/a2.JPEG', 2],
      ['dog/a10.png', 2],
      ['dog/b.jpg', 2],
    ]);
    expect(scanned.problems).toEqual([
      { path: 'linked', reason: 'link to a folder outside the dataset folder' },
      { path: 'stray.jpg', reason: 'image outside any class folder' },
      { path: 'dog/escape.jpg', reason: 'link to a file outside the dataset folder' },
    ]);
    expect(scanned).toMatchObject({ kind: 'folders', name: 'set', subjects: [], sourceTable: null });
  });

  it('refuses a folder without class folders of images', async () => {
    await expect(scanClassFolders(join(dir, 'set', 'empty'), { materializeDir: dir })).rejects.toThrow(
      'No class folder with images',
    );
  });
});
