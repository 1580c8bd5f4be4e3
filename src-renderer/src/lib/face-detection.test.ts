import { describe, expect, it } from 'vitest';
import { detectResultText, summaryRows } from './face-detection';

const result = { images: 1200, faces: 1190, no_face: 12, skipped: 0, failed: 0, problems: [], seconds: 80 };

describe('face detection texts', () => {
  it('leave out what is zero', () => {
    expect(detectResultText(result)).toBe('Looked at 1,200 photos: 1,190 faces, 12 with no face found.');
    expect(detectResultText({ ...result, images: 1, faces: 1, no_face: 0, skipped: 7, failed: 2 })).toBe(
      'Looked at 1 photo: 1 face, 0 with no face found. 7 skipped (already looked at, or boxes a person drew or ' +
        'imported). 2 could not be read.',
    );
  });

  it('count the photos no detector has looked at yet', () => {
    const rows = summaryRows({
      datasetId: 1,
      images: 10,
      looked: 7,
      withFace: 6,
      noFace: 1,
      boxes: { detected: 6, manual: 2, imported: 0 },
    });
    expect(Object.fromEntries(rows.map((r) => [r.key, r.count]))).toEqual({
      looked: 7,
      'with-face': 6,
      'no-face': 1,
      unchecked: 3,
      detected: 6,
      manual: 2,
      imported: 0,
    });
  });
});
