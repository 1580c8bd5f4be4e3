import { describe, expect, it } from 'vitest';
import { MIN_BOX, boxDescription, defaultFaceBox, fitRect, moveRect, rectBetween, resizeRect } from './box-geometry';

const PORTRAIT = { width: 384, height: 512 };

describe('box geometry', () => {
  it('fits a box into the image in whole pixels', () => {
    expect(fitRect({ x: -5.4, y: 10.6, w: 100.2, h: 50 }, PORTRAIT)).toEqual({ x: 0, y: 11, w: 100, h: 50 });
    expect(fitRect({ x: 350, y: 500, w: 100, h: 100 }, PORTRAIT)).toEqual({ x: 284, y: 412, w: 100, h: 100 });
    expect(fitRect({ x: 0, y: 0, w: 1000, h: 1 }, PORTRAIT)).toEqual({ x: 0, y: 0, w: 384, h: MIN_BOX });
  });

  it('moves a box without shrinking it at the edges', () => {
    const box = { x: 10, y: 20, w: 100, h: 120 };
    expect(moveRect(box, 5, -3, PORTRAIT)).toEqual({ x: 15, y: 17, w: 100, h: 120 });
    expect(moveRect(box, -50, 1000, PORTRAIT)).toEqual({ x: 0, y: 392, w: 100, h: 120 });
  });

  it('resizes from each handle, keeping the opposite edges and a minimum size', () => {
    const box = { x: 100, y: 100, w: 100, h: 100 };
    expect(resizeRect(box, 'se', 20, 30, PORTRAIT)).toEqual({ x: 100, y: 100, w: 120, h: 130 });
    expect(resizeRect(box, 'nw', 20, 30, PORTRAIT)).toEqual({ x: 120, y: 130, w: 80, h: 70 });
    expect(resizeRect(box, 'e', -500, 0, PORTRAIT)).toEqual({ x: 100, y: 100, w: MIN_BOX, h: 100 });
    expect(resizeRect(box, 'n', 0, -500, PORTRAIT)).toEqual({ x: 100, y: 0, w: 100, h: 200 });
    expect(resizeRect(box, 's', 0, 1000, PORTRAIT)).toEqual({ x: 100, y: 100, w: 100, h: 412 });
    expect(resizeRect(box, 'w', 500, 0, PORTRAIT)).toEqual({ x: 196, y: 100, w: MIN_BOX, h: 100 });
  });

  it('spans a drag in any direction, clipped to the image, and ignores a click', () => {
    expect(rectBetween({ x: 200, y: 300 }, { x: 100, y: 100 }, PORTRAIT)).toEqual({ x: 100, y: 100, w: 100, h: 200 });
    expect(rectBetween({ x: 300, y: 400 }, { x: 900, y: 900 }, PORTRAIT)).toEqual({ x: 300, y: 400, w: 84, h: 112 });
    expect(rectBetween({ x: 10, y: 10 }, { x: 11, y: 40 }, PORTRAIT)).toBeNull();
  });

  it('puts the keyboard box where training looks without one', () => {
    // core/train/face-features defaultFaceRegion(384, 512).
    expect(defaultFaceBox(PORTRAIT)).toEqual({ x: 58, y: 96, w: 269, h: 269 });
  });

  it('describes a box for screen readers', () => {
    expect(boxDescription({ x: 80.4, y: 60, w: 120, h: 140, source: 'detected', score: 0.934 }, 0)).toBe(
      'face box 1, detected 93%, 120×140 at 80,60',
    );
    expect(boxDescription({ x: 1, y: 2, w: 3, h: 4, source: 'manual', score: null }, 1)).toBe(
      'face box 2, manual, 3×4 at 1,2',
    );
  });
});
