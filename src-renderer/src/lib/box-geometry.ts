// Face-box geometry in image pixels, shared by the pointer and keyboard paths of the box editor. Every result is
// clamped to the image and rounded to whole pixels, so what is stored is what was shown.
import type { BoxDto, BoxRect } from '../../../src-main/shared/api-contract';
import { defaultFaceSquare } from '../../../src-main/shared/face-region';

export interface Point {
  x: number;
  y: number;
}

export interface ImageSize {
  width: number;
  height: number;
}

/** Which edge or corner a resize drags. */
export type Handle = 'n' | 's' | 'e' | 'w' | 'ne' | 'nw' | 'se' | 'sw';
export const HANDLES: readonly Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

/** The smallest box, in image pixels: smaller ones cannot be grabbed again. */
export const MIN_BOX = 4;

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Whole pixels, inside the image, at least MIN_BOX (or the image) wide and high. */
export function fitRect(rect: BoxRect, size: ImageSize): BoxRect {
  const w = clamp(Math.round(rect.w), Math.min(MIN_BOX, size.width), size.width);
  const h = clamp(Math.round(rect.h), Math.min(MIN_BOX, size.height), size.height);
  return { x: clamp(Math.round(rect.x), 0, size.width - w), y: clamp(Math.round(rect.y), 0, size.height - h), w, h };
}

/** The same box shifted; it stops at the image's edges instead of shrinking. */
export function moveRect(rect: BoxRect, dx: number, dy: number, size: ImageSize): BoxRect {
  return fitRect({ ...rect, x: rect.x + dx, y: rect.y + dy }, size);
}

/** The box with `handle` dragged by (dx, dy); the opposite edges stay put and the box never turns inside out. */
export function resizeRect(rect: BoxRect, handle: Handle, dx: number, dy: number, size: ImageSize): BoxRect {
  let left = rect.x;
  let top = rect.y;
  let right = rect.x + rect.w;
  let bottom = rect.y + rect.h;
  if (handle.includes('w')) left = clamp(Math.round(left + dx), 0, right - MIN_BOX);
  if (handle.includes('e')) right = clamp(Math.round(right + dx), left + MIN_BOX, size.width);
  if (handle.includes('n')) top = clamp(Math.round(top + dy), 0, bottom - MIN_BOX);
  if (handle.includes('s')) bottom = clamp(Math.round(bottom + dy), top + MIN_BOX, size.height);
  return fitRect({ x: left, y: top, w: right - left, h: bottom - top }, size);
}

/** The box a drag from `a` to `b` spans, in any direction, clipped to the image; null while it is too small. */
export function rectBetween(a: Point, b: Point, size: ImageSize): BoxRect | null {
  const x1 = clamp(Math.min(a.x, b.x), 0, size.width);
  const y1 = clamp(Math.min(a.y, b.y), 0, size.height);
  const x2 = clamp(Math.max(a.x, b.x), 0, size.width);
  const y2 = clamp(Math.max(a.y, b.y), 0, size.height);
  if (x2 - x1 < MIN_BOX || y2 - y1 < MIN_BOX) return null;
  return fitRect({ x: x1, y: y1, w: x2 - x1, h: y2 - y1 }, size);
}

/** Where a box added from the keyboard starts: the region the face model reads when a photo has no box. */
export function defaultFaceBox(size: ImageSize): BoxRect {
  return fitRect(defaultFaceSquare(size.width, size.height), size);
}

export function sameRect(a: BoxRect, b: BoxRect): boolean {
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}

export function rectOf(box: BoxRect): BoxRect {
  return { x: box.x, y: box.y, w: box.w, h: box.h };
}

const SOURCE_NAMES: Record<BoxDto['source'], string> = {
  manual: 'drawn by a person',
  detected: 'detected',
  imported: 'imported',
};

export function sourceName(source: BoxDto['source']): string {
  return SOURCE_NAMES[source];
}

/** What a screen reader hears for a box: "face box 1, detected 93%, 120×140 at 80,60". */
export function boxDescription(box: Pick<BoxDto, 'x' | 'y' | 'w' | 'h' | 'source' | 'score'>, index: number): string {
  const score = box.source === 'detected' && box.score !== null ? ` ${Math.round(box.score * 100)}%` : '';
  const r = Math.round;
  return `face box ${index + 1}, ${box.source}${score}, ${r(box.w)}×${r(box.h)} at ${r(box.x)},${r(box.y)}`;
}
