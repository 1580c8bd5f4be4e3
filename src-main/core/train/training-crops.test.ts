import { describe, expect, it } from 'vitest';
import { cropForTraining, defaultFaceRegion, planTrainingCrops } from './training-crops';

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

describe('planTrainingCrops', () => {
  const data = {
    kind: 'generic' as const,
    boxes: [[2, 2, 10, 10] as [number, number, number, number], null],
    widths: Int32Array.of(28, 28),
    heights: Int32Array.of(28, 28),
    noFaceFound: Uint8Array.of(0, 0),
  };

  it('counts images without a box in a dataset that is not face photos as whole photos', () => {
    const plan = planTrainingCrops(data, { crop: 'face-box', cropMargin: 0 });
    expect(plan.counts).toEqual({ box: 1, noFace: 0, noBox: 0, whole: 1 });
    expect(plan.tensor).toEqual([{ x: 2, y: 2, w: 10, h: 10 }, null]);
  });

  it('changes the crops, and so what the caches are keyed by, with the margin', () => {
    const a = planTrainingCrops(data, { crop: 'face-box', cropMargin: 0.25 });
    const b = planTrainingCrops(data, { crop: 'face-box', cropMargin: 0.5 });
    expect(a.tensor[0]).not.toEqual(b.tensor[0]);
    expect(a.face[0]).not.toEqual(b.face[0]);
  });
});
