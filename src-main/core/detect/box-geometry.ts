// Plain box arithmetic shared by the detectors, their tests and the bench, and the canvas both detectors read.
import type { DetectorImage } from '../media/image-decoder';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ScoredRect extends Rect {
  score: number;
}

/** Intersection over union; 0 for boxes that do not overlap (or have no area). */
export function iou(a: Rect, b: Rect): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression: highest score first, dropping boxes that overlap a kept one by more than `maxIou`. */
export function nonMaxSuppression<T extends ScoredRect>(boxes: T[], maxIou: number, maxBoxes: number): T[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const box of sorted) {
    if (kept.length >= maxBoxes) break;
    if (kept.every((k) => iou(k, box) <= maxIou)) kept.push(box);
  }
  return kept;
}

/** Clips a box to a width × height image; null if nothing of it is left. */
export function clipRect<T extends Rect>(box: T, width: number, height: number): T | null {
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(width, box.x + box.w);
  const y1 = Math.min(height, box.y + box.h);
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  return { ...box, x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * Matches detections to reference boxes one to one (best IoU first) and counts the references found with IoU of
 * at least `minIou`. What the real-photo tests and the bench call recall.
 */
export function matchBoxes(
  reference: Rect[],
  found: Rect[],
  minIou: number,
): { matched: number; unmatchedFound: number; ious: number[] } {
  const pairs: { r: number; f: number; v: number }[] = [];
  reference.forEach((r, ri) =>
    found.forEach((f, fi) => {
      const v = iou(r, f);
      if (v >= minIou) pairs.push({ r: ri, f: fi, v });
    }),
  );
  pairs.sort((a, b) => b.v - a.v);
  const usedR = new Set<number>();
  const usedF = new Set<number>();
  const ious: number[] = [];
  for (const p of pairs) {
    if (usedR.has(p.r) || usedF.has(p.f)) continue;
    usedR.add(p.r);
    usedF.add(p.f);
    ious.push(p.v);
  }
  return { matched: ious.length, unmatchedFound: found.length - usedF.size, ious };
}

/**
 * A detector's input: `image`'s RGB scaled to −1…1 (rather than by kernels) at (`left`, `top`) on a `width` ×
 * `height` canvas of black (−1), as both face-api's SSD and MediaPipe pad.
 */
export function signedUnitCanvas(image: DetectorImage, width: number, height: number, left = 0, top = 0): Float32Array {
  const data = new Float32Array(height * width * 3).fill(-1);
  const { pixels } = image;
  for (let y = 0; y < image.height; y++) {
    let o = ((top + y) * width + left) * 3;
    let p = y * image.width * 3;
    for (let x = 0; x < image.width * 3; x++) data[o++] = pixels[p++]! / 127.5 - 1;
  }
  return data;
}
