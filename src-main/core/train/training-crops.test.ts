import { describe, expect, it } from 'vitest';
import { cropForTraining, defaultFaceRegion } from './training-crops';

describe('cropForTraining', () => {
  it('grows a face box by the margin and keeps it inside the image', () => {
    expect(cropForTraining('mask', [100, 100, 100, 200], 384, 512, 0.25)).toEqual({ x: 75, y: 50, w: 150, h: 300 });
    expect(cropForTraining('mask', [0, 0, 100, 100], 384, 512, 0.5)).toEqual({ x: 0, y: 0, w: 150, h: 150 });
  });

  it('uses the usual face region for portraits without a box, and the whole image otherwise', () => {
    expect(cropForTraining('mask', null, 384, 512, 0.25)).toEqual(defaultFaceRegion(384, 512));
    expect(cropForTraining('generic', null, 28, 28, 0.25)).toBeNull();
  });
});
