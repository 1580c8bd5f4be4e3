import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultFaceRegion,
  FACE_FEATURE_DIM,
  FACE_INPUT_SIZE,
  loadFaceFeatureExtractor,
  squareFaceRegion,
} from './face-features';
import type { FaceFeatureExtractor } from './face-features';

const require = createRequire(import.meta.url);
const demoDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

describe('face regions', () => {
  it('default to a centred square a little above the middle of a portrait', () => {
    expect(defaultFaceRegion(384, 512)).toEqual({ x: 58, y: 96, w: 269, h: 269 });
    const r = defaultFaceRegion(100, 60);
    expect(r.x + r.w).toBeLessThanOrEqual(100);
    expect(r.y).toBeGreaterThanOrEqual(0);
    expect(r.y + r.h).toBeLessThanOrEqual(60);
  });

  it('square a detector box with a margin and stay inside the image', () => {
    expect(squareFaceRegion({ x: 100, y: 100, w: 100, h: 150 }, 384, 512)).toEqual({ x: 60, y: 85, w: 180, h: 180 });
    const edge = squareFaceRegion({ x: 0, y: 0, w: 50, h: 50 }, 384, 512);
    expect(edge.x).toBe(0);
    expect(edge.y).toBe(0);
  });
});

describe('face features', () => {
  let extractor: FaceFeatureExtractor;
  let dir: string;
  beforeAll(async () => {
    extractor = await loadFaceFeatureExtractor();
    dir = mkdtempSync(join(tmpdir(), 'loupe-face-'));
  });
  afterAll(() => {
    extractor.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are fixed-length, finite and deterministic for bundled photos and a generated one', async () => {
    const generated = join(dir, 'generated.jpg');
    await sharp({ create: { width: 384, height: 512, channels: 3, background: { r: 200, g: 150, b: 120 } } })
      .composite([
        {
          input: Buffer.from(
            '<svg width="384" height="512"><circle cx="192" cy="230" r="110" fill="#d9a37e"/><rect x="110" y="250" width="164" height="90" fill="#4466cc"/></svg>',
          ),
        },
      ])
      .jpeg()
      .toFile(generated);
    const photos: [string, number, number][] = [[generated, 384, 512]];
    for (const name of ['sample1.jpg', 'sample2.jpg']) {
      const meta = await sharp(join(demoDir, name)).metadata();
      photos.push([join(demoDir, name), meta.width, meta.height]);
    }
    const vectors: Float32Array[] = [];
    for (const [path, width, height] of photos) {
      const v = await extractor.fromFile(path, width, height, null);
      expect(v.length).toBe(FACE_FEATURE_DIM);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(await extractor.fromFile(path, width, height, null)).toEqual(v);
      vectors.push(v);
    }
    expect(vectors[1]).not.toEqual(vectors[2]);
    const boxed = await extractor.fromFile(generated, 384, 512, { x: 100, y: 120, w: 180, h: 220 });
    expect(boxed).not.toEqual(vectors[0]);
  });

  it('read 150×150 RGB crops without leaking tensors', async () => {
    const pixels = new Uint8Array(FACE_INPUT_SIZE * FACE_INPUT_SIZE * 3).map((_, i) => (i * 31) % 256);
    const before = tf.memory().numTensors;
    await extractor.fromPixels(pixels);
    await extractor.fromPixels(pixels);
    expect(tf.memory().numTensors).toBe(before);
    await expect(extractor.fromPixels(new Uint8Array(10))).rejects.toThrow(/150×150/);
  });

  it('read a batch of crops as they read each crop alone', async () => {
    const crops = [3, 7, 11].map((k) =>
      new Uint8Array(FACE_INPUT_SIZE * FACE_INPUT_SIZE * 3).map((_, i) => (i * k + (i >> 9)) % 256),
    );
    const before = tf.memory().numTensors;
    const batched = await extractor.fromPixelsBatch(crops);
    expect(tf.memory().numTensors).toBe(before);
    expect(batched).toHaveLength(3);
    for (const [b, crop] of crops.entries()) {
      const alone = await extractor.fromPixels(crop);
      for (let j = 0; j < FACE_FEATURE_DIM; j++) expect(batched[b]![j]).toBeCloseTo(alone[j]!, 4);
    }
    expect(batched[0]).not.toEqual(batched[1]);
    expect(await extractor.fromPixelsBatch([])).toEqual([]);
  });
});
