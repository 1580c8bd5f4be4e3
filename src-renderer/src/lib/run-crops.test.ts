import { describe, expect, it } from 'vitest';
import type { TrainSettings } from '../../../src-main/shared/api-contract';
import { cropLines, cropModeText, defaultRegionCount } from './run-crops';

const settings: TrainSettings = {
  mode: 'quick',
  folds: 5,
  backend: 'auto',
  crop: 'face-box',
  cropMargin: 0.25,
  seed: 1,
};

describe('run crops in words', () => {
  it('names the crop mode with its margin', () => {
    expect(cropModeText(settings)).toBe('face box, margin 0.25');
    expect(cropModeText({ ...settings, crop: 'whole-image' })).toBe('whole photo');
  });

  it('spells out why images fell back to the default face region, and leaves out kinds that did not occur', () => {
    const crops = { box: 18_000, noFace: 12, noBox: 888, whole: 0 };
    expect(defaultRegionCount(crops)).toBe(900);
    expect(cropLines(crops)).toEqual([
      { kind: 'box', text: '18,000 images on a face box' },
      {
        kind: 'default',
        text: '900 images on the default face region (12 with no face found, 888 never detected or without a box)',
      },
    ]);
    expect(cropLines({ box: 0, noFace: 1, noBox: 0, whole: 0 })).toEqual([
      { kind: 'default', text: '1 image on the default face region (1 with no face found)' },
    ]);
    expect(cropLines({ box: 0, noFace: 0, noBox: 0, whole: 60_000 })).toEqual([
      { kind: 'whole', text: '60,000 images on the whole photo' },
    ]);
    expect(cropLines(null)).toEqual([]);
  });
});
