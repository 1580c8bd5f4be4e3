import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { faceModelDir } from '../train/face-features';
import { initBackend } from '../train/tf-backend';
import { SSD_TRAINING_SIZE, axisGrids, paddedInputSize, ssdAnchors } from './ssd-anchors';

describe('SSD feature grids', () => {
  it('are the trained 32, 16, 8, 4, 2, 1 cells on the 512 square, centred half a stride in', () => {
    const grids = axisGrids(512);
    expect(grids.map((g) => g.size)).toEqual([32, 16, 8, 4, 2, 1]);
    expect(grids.map((g) => g.stride)).toEqual([16, 32, 64, 128, 256, 512]);
  });

  it('shift the cell centres where a stride-2 layer meets an odd size (384 → … → 3 → 2)', () => {
    const square = axisGrids(512);
    const portrait = axisGrids(384);
    expect(portrait.map((g) => g.size)).toEqual([24, 12, 6, 3, 2, 1]);
    // Up to the 3-cell map every layer halves an even size, so cells sit where they sit on the square.
    expect(portrait.slice(0, 4).map((g) => g.offset)).toEqual(square.slice(0, 4).map((g) => g.offset));
    // 3 → 2 pads a cell on the left: the 2-cell map looks one 3-map cell (128 px) further left.
    expect(portrait[4]!.offset).toBe(square[4]!.offset - 128);
  });

  it('pads inputs up to a multiple of 32 within the square', () => {
    expect(paddedInputSize(512, 384)).toEqual({ height: 512, width: 384 });
    expect(paddedInputSize(341, 512)).toEqual({ height: 352, width: 512 });
    expect(paddedInputSize(240, 320)).toEqual({ height: 256, width: 320 });
    expect(paddedInputSize(10, 512)).toEqual({ height: 32, width: 512 });
  });
});

describe('SSD anchors', () => {
  it("reproduce the model's own 5,118 anchors on the 512 square", async () => {
    const require = createRequire(import.meta.url);
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as {
      nets: {
        ssdMobilenetv1: {
          loadFromDisk(dir: string): Promise<void>;
          params: { output_layer: { extra_dim: { data(): Promise<Float32Array> } } };
          dispose(): void;
        };
      };
    };
    await initBackend('wasm');
    const net = faceapi.nets.ssdMobilenetv1;
    await net.loadFromDisk(faceModelDir());
    const trained = await net.params.output_layer.extra_dim.data();
    net.dispose();
    expect(trained.length).toBe(5118 * 4);
    const anchors = ssdAnchors(SSD_TRAINING_SIZE, SSD_TRAINING_SIZE, trained);
    expect(anchors.length).toBe(trained.length);
    let worst = 0;
    for (let i = 0; i < 5118; i++) {
      const [y0, x0, y1, x1] = Array.from(trained.subarray(i * 4, i * 4 + 4), (v) => v * SSD_TRAINING_SIZE);
      const expected = [(y0! + y1!) / 2, (x0! + x1!) / 2, y1! - y0!, x1! - x0!];
      for (let k = 0; k < 4; k++) worst = Math.max(worst, Math.abs(anchors[i * 4 + k]! - expected[k]!));
    }
    // Within float rounding of a pixel.
    expect(worst).toBeLessThan(0.01);
    // A 384-wide portrait has a quarter fewer cells on every map but the last two.
    expect(ssdAnchors(512, 384, trained).length / 4).toBe(24 * 32 * 3 + (12 * 16 + 6 * 8 + 3 * 4 + 2 * 2 + 1) * 6);
  });
});
