import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadOrBuildTensors, tensorCacheKey, type TensorInput } from './tensor-cache';

async function photo(path: string, value: number): Promise<void> {
  await sharp({ create: { width: 30, height: 20, channels: 3, background: { r: value, g: value, b: value } } })
    .png()
    .toFile(path);
}

describe('tensor cache', () => {
  it('decodes each image once and reuses the cache while files and settings are unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-tensors-'));
    const cache = join(dir, 'cache');
    const inputs: TensorInput[] = [];
    for (let i = 0; i < 4; i++) {
      const path = join(dir, `${i}.png`);
      await photo(path, i * 60);
      inputs.push({ imageId: i + 1, path, fileSize: 100 + i, fileMtime: 1, crop: null });
    }
    inputs.push({ imageId: 9, path: join(dir, 'missing.png'), fileSize: 1, fileMtime: 1, crop: null });
    const shape = { width: 8, height: 8, channels: 1 } as const;
    const key = tensorCacheKey(1, shape, 'margin=0.25');
    const first = await loadOrBuildTensors(cache, key, shape, inputs);
    expect(first).toMatchObject({ reused: 0, decoded: 4 });
    expect(first.failed).toEqual([{ imageId: 9, reason: 'file not found' }]);
    expect(first.pixels[64 * 2]).toBe(120);

    const second = await loadOrBuildTensors(cache, key, shape, inputs.slice(0, 4));
    expect(second).toMatchObject({ reused: 4, decoded: 0 });
    expect(Buffer.from(second.pixels).equals(Buffer.from(first.pixels.subarray(0, 64 * 4)))).toBe(true);

    // One changed file (new size) is decoded again; a new crop setting is a new cache.
    await photo(inputs[1]!.path, 200);
    const changed = inputs.slice(0, 4).map((x, i) => (i === 1 ? { ...x, fileSize: 999 } : x));
    const third = await loadOrBuildTensors(cache, key, shape, changed);
    expect(third).toMatchObject({ reused: 3, decoded: 1 });
    expect(third.pixels[64]).toBe(200);
    expect(tensorCacheKey(1, shape, 'margin=0.5')).not.toBe(key);
    expect(readdirSync(cache).sort()).toEqual([`${key}.json`, `${key}.u8`]);
  });
});
