import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { MASK_SLOTS } from '../shared/label-schema';
import { makeMaskDataset } from '../core/datasets/synthetic-mask-dataset';
import { facePhotos, paintLowerFaces, portraitAround } from '../core/test-support/face-photos';
import { loupe, newDbPath } from './test-support/run-loupe';

let source: string;

/** One person's seven photos: six portraits cut from real photos (every other one masked) and a blank frame. */
beforeAll(async () => {
  source = mkdtempSync(join(tmpdir(), 'loupe-cli-detect-src-'));
  const made = await makeMaskDataset(source, { persons: 3, seed: 2, width: 384, height: 512 });
  const faces = facePhotos()
    .filter((p) => p.path !== null)
    .flatMap((p) => p.faces.map((face) => ({ photo: p, face })));
  const files = made.persons.flatMap((person) =>
    MASK_SLOTS.map((slot) => join(source, 'images', person.path, `${slot}.jpg`)),
  );
  await sharp({ create: { width: 384, height: 512, channels: 3, background: '#556070' } })
    .jpeg()
    .toFile(files[0]!);
  for (let i = 1; i < files.length; i++) {
    const { photo, face } = faces[i % faces.length]!;
    const image = i % 2 ? await paintLowerFaces(photo.path!, photo.faces) : photo.path!;
    writeFileSync(files[i]!, (await portraitAround(image, face, photo.width, photo.height)).jpeg);
  }
}, 120_000);

const newDb = (): string => newDbPath('loupe-cli-detect-db-');

describe('loupe detect', () => {
  it('prints one JSON object with the counts, progress on stderr, and skips what it did on a rerun', async () => {
    const db = newDb();
    expect((await loupe('import', source, '--db', db)).code).toBe(0);
    const first = await loupe('detect', '--db', db, '--json');
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(first.stdout) as Record<string, number>;
    expect(result).toMatchObject({ images: 21, no_face: 1, skipped: 0, failed: 0, problems: [] });
    expect(result.faces).toBeGreaterThanOrEqual(18);
    expect(first.stderr).toMatch(/^detect: detecting faces \d+\/21/m);

    const again = await loupe('detect', '--db', db, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ images: 0, skipped: 21 });
    const human = await loupe('detect', '--db', db, '--redetect', '--min-score', '0.5');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^looked at 21 photos in [\d.]+ s: \d+ faces, \d+ with no face found; 0 skipped/);
  }, 180_000);

  it('refuses a score outside its range with a one-line reason, before starting', async () => {
    const db = newDb();
    await loupe('import', source, '--db', db);
    const bad = await loupe('detect', '--db', db, '--min-score', '2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^loupe: --min-score: /);
    const notNumber = await loupe('detect', '--db', db, '--min-score', 'high');
    expect(notNumber.code).not.toBe(0);
    expect(notNumber.stderr).toMatch(/--min-score.*must be a number/);
  });

  it('stops cleanly on Ctrl-C, keeping what it finished', async () => {
    const db = newDb();
    await loupe('import', source, '--db', db);
    const cli = fileURLToPath(new URL('./main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'detect', '--db', db, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let interrupted = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Interrupted once it is detecting: the first progress line after the detector loaded.
      if (!interrupted && /detecting faces/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(interrupted).toBe(true);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/loupe: detection cancelled; what it finished is kept/);
    const store = new Database(db, { readonly: true });
    const looked = (store.prepare('SELECT COUNT(*) AS n FROM face_detections').get() as { n: number }).n;
    store.close();
    expect(looked).toBeGreaterThan(0);
    expect(looked).toBeLessThan(21);
    const rest = JSON.parse((await loupe('detect', '--db', db, '--json')).stdout) as Record<string, number>;
    expect(rest).toMatchObject({ images: 21 - looked, skipped: looked });
  }, 180_000);
});
