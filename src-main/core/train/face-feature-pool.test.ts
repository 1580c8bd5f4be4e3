// The pooled face features equal the single-thread extractor's, row for row, whichever worker read which image.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFaceFeaturesPooled, type FaceFeatureItem } from './face-feature-pool';
import { FACE_FEATURE_DIM, loadFaceFeatureExtractor } from './face-features';

const require = createRequire(import.meta.url);
const demoDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

let dir: string;
let items: FaceFeatureItem[];
const CORRUPT = 3;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-face-pool-'));
  items = [];
  for (let i = 0; i < 7; i++) {
    const path = join(dir, `${i}.jpg`);
    if (i === CORRUPT) writeFileSync(path, 'not a jpeg');
    else if (i % 2 === 0)
      await sharp(join(demoDir, `sample${(i % 6) + 1}.jpg`))
        .resize({ width: 384, height: 512, fit: 'cover' })
        .jpeg()
        .toFile(path);
    else
      await sharp({ create: { width: 384, height: 512, channels: 3, background: { r: 40 * i, g: 150, b: 120 } } })
        .jpeg()
        .toFile(path);
    items.push({ index: i, path, crop: { x: 60 + 10 * i, y: 80, w: 240, h: 240 } });
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('extractFaceFeaturesPooled', () => {
  it('fills each row with what one extractor in this thread computes, and leaves an unreadable row alone', async () => {
    const extractor = await loadFaceFeatureExtractor();
    const expected = new Float32Array(items.length * FACE_FEATURE_DIM);
    try {
      for (const item of items) {
        if (item.index === CORRUPT) continue;
        expected.set(await extractor.fromCrop(item.path, item.crop), item.index * FACE_FEATURE_DIM);
      }
    } finally {
      extractor.dispose();
    }

    const out = new Float32Array(items.length * FACE_FEATURE_DIM);
    const counts: number[] = [];
    // Dealt in reverse, so rows arrive out of order and must be placed by index.
    const filled = await extractFaceFeaturesPooled([...items].reverse(), out, {
      workers: 2,
      onDone: (done) => counts.push(done),
    });
    expect(Array.from(filled)).toEqual([0, 1, 2, 4, 5, 6]);
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(out.subarray(CORRUPT * FACE_FEATURE_DIM, (CORRUPT + 1) * FACE_FEATURE_DIM).every((v) => v === 0)).toBe(true);
    for (let j = 0; j < out.length; j++) expect(out[j]).toBeCloseTo(expected[j]!, 4);
  }, 120_000);

  it('stops when cancelled and rejects with the reason', async () => {
    const controller = new AbortController();
    const out = new Float32Array(items.length * FACE_FEATURE_DIM);
    const run = extractFaceFeaturesPooled(items, out, {
      workers: 2,
      signal: controller.signal,
      onDone: () => controller.abort(new Error('cancelled by test')),
    });
    await expect(run).rejects.toThrow('cancelled by test');
  }, 120_000);
});
