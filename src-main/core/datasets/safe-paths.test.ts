import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkImageFile, checkWrittenPath, isInside } from './safe-paths';

describe('checkWrittenPath', () => {
  it.each([
    ['a/b.jpg', { ok: true, relPath: 'a/b.jpg' }],
    ['./a//b.jpg', { ok: true, relPath: 'a/b.jpg' }],
    ['a\\b.jpg', { ok: true, relPath: 'a/b.jpg' }],
    ['person/', { ok: true, relPath: 'person' }],
    ['', { ok: false, reason: 'empty path' }],
    ['a/../b.jpg', { ok: false, reason: 'path "a/../b.jpg" uses ".." to leave its folder' }],
    ['..\\b.jpg', { ok: false, reason: 'path "..\\b.jpg" uses ".." to leave its folder' }],
    [
      '/etc/passwd',
      { ok: false, reason: 'absolute path "/etc/passwd" (paths must be relative to the dataset folder)' },
    ],
    ['C:\\x.jpg', { ok: false, reason: 'absolute path "C:\\x.jpg" (paths must be relative to the dataset folder)' }],
  ])('%s', (written, expected) => {
    expect(checkWrittenPath(written)).toEqual(expected);
  });
});

describe('containment', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loupe-paths-'));
    await mkdir(join(dir, 'root', 'sub'), { recursive: true });
    await writeFile(join(dir, 'root', 'sub', 'in.jpg'), 'x');
    await writeFile(join(dir, 'root-sibling.jpg'), 'x');
    await symlink(join(dir, 'root', 'sub', 'in.jpg'), join(dir, 'root', 'inner-link.jpg'));
    await symlink(join(dir, 'root-sibling.jpg'), join(dir, 'root', 'outer-link.jpg'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('tells inside from a sibling with the same prefix', () => {
    expect(isInside('/data/root', '/data/root/a')).toBe(true);
    expect(isInside('/data/root', '/data/root')).toBe(true);
    expect(isInside('/data/root', '/data/root-sibling/a')).toBe(false);
    expect(isInside('/data/root', '/data')).toBe(false);
  });

  it('follows links and refuses those that leave the root', async () => {
    const root = join(dir, 'root');
    await expect(checkImageFile(root, 'sub/in.jpg')).resolves.toBeNull();
    await expect(checkImageFile(root, 'inner-link.jpg')).resolves.toBeNull();
    await expect(checkImageFile(root, 'outer-link.jpg')).resolves.toEqual({
      path: 'outer-link.jpg',
      reason: 'link to a file outside the dataset folder',
    });
    await expect(checkImageFile(root, 'sub')).resolves.toEqual({ path: 'sub', reason: 'not a file' });
    await expect(checkImageFile(root, 'sub/none.jpg')).resolves.toEqual({
      path: 'sub/none.jpg',
      reason: 'file not found',
    });
  });
});
