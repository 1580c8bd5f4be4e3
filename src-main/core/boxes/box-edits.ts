// A person's box edits: draw, move/resize, delete. Each is one undoable action on the same stack as label
// changes. A box a person draws or changes becomes 'manual', which the face detector never overwrites; a person's
// delete of a detected box stays decided because the detector skips images with box history
// (BoxRepository.imagesWithHistory).
import type { BoxEditResult, BoxRect } from '../../shared/api-contract';
import type { BoxState, ImageFrame, LoupeStore, StoredBox } from '../db/store';
import { ApiFailure } from '../api-failure';
import { replayBoxChange, stateOf, toBoxDto } from './box-history';

/** Smaller than this on either side is a stray click, or coordinates given as fractions of the image size. */
const MIN_BOX_SIDE = 1;
/** Coordinates another tool wrote may pass the edge by rounding; that much is clipped rather than refused. */
const EDGE_TOLERANCE = 1;

function imageFrame(store: LoupeStore, imageId: number): ImageFrame {
  const frame = store.images.frame(imageId);
  if (!frame) throw new ApiFailure('not-found', `no image ${imageId}`);
  return frame;
}

const describeRect = (r: BoxRect): string => `(${r.x}, ${r.y}, ${r.w}×${r.h})`;

/**
 * The box inside the image, or why it cannot be. 'clip' (a person dragging past the edge) cuts off what lies
 * outside; 'strict' (a CSV) refuses a box that passes the edge by more than rounding, since that usually means
 * the coordinates are in another convention or for another image size, and clipping would hide it.
 */
export function fitToImage(rect: BoxRect, image: ImageFrame, mode: 'clip' | 'strict'): BoxRect | string {
  const size = `${image.width}×${image.height}`;
  const right = image.width > 0 ? image.width : Infinity;
  const bottom = image.height > 0 ? image.height : Infinity;
  const x1 = Math.max(0, rect.x);
  const y1 = Math.max(0, rect.y);
  const x2 = Math.min(right, rect.x + rect.w);
  const y2 = Math.min(bottom, rect.y + rect.h);
  if (rect.w < MIN_BOX_SIDE || rect.h < MIN_BOX_SIDE) {
    return `box ${describeRect(rect)} is smaller than ${MIN_BOX_SIDE} pixel; boxes are in pixels, not fractions of the image size`;
  }
  if (x2 - x1 < MIN_BOX_SIDE || y2 - y1 < MIN_BOX_SIDE) {
    return `box ${describeRect(rect)} lies outside the image (${size})`;
  }
  const overshoot = Math.max(rect.x + rect.w - right, rect.y + rect.h - bottom);
  if (mode === 'strict' && overshoot > EDGE_TOLERANCE) {
    return `box ${describeRect(rect)} reaches past the edge of the image (${size}); boxes are pixel coordinates of the original image`;
  }
  return { x: x1, y: y1, w: x2 - x1, h: y2 - y1 };
}

function fitOrThrow(rect: BoxRect, image: ImageFrame): BoxRect {
  const fitted = fitToImage(rect, image, 'clip');
  if (typeof fitted === 'string') throw new ApiFailure('invalid-argument', `${fitted}: ${image.relPath}`);
  return fitted;
}

const manual = (rect: BoxRect): BoxState => ({ ...rect, source: 'manual', score: null });

function boxOrThrow(store: LoupeStore, boxId: number): StoredBox {
  const box = store.boxes.read(boxId);
  if (!box) throw new ApiFailure('not-found', `no box ${boxId}`);
  return box;
}

/** Draws a box on an image, as one undoable action. */
export function addBox(store: LoupeStore, imageId: number, rect: BoxRect): BoxEditResult {
  return store.transaction((): BoxEditResult => {
    const image = imageFrame(store, imageId);
    const state = manual(fitOrThrow(rect, image));
    const { actionId, at } = store.labels.startAction(image.datasetId, 'user', `box drawn: ${image.relPath}`);
    const boxId = store.boxes.insert(imageId, state);
    store.boxes.recordChange(actionId, { boxId, imageId, old: null, new: state }, at);
    return { actionId, datasetId: image.datasetId, imageId, box: toBoxDto({ ...state, id: boxId, imageId }) };
  });
}

/** Moves or resizes a box, as one undoable action; it becomes 'manual'. The same place and size changes nothing. */
export function updateBox(store: LoupeStore, boxId: number, rect: BoxRect): BoxEditResult {
  return store.transaction((): BoxEditResult => {
    const box = boxOrThrow(store, boxId);
    const image = imageFrame(store, box.imageId);
    const fitted = fitOrThrow(rect, image);
    const moved = fitted.x !== box.x || fitted.y !== box.y;
    const resized = fitted.w !== box.w || fitted.h !== box.h;
    const result = { datasetId: image.datasetId, imageId: box.imageId };
    if (!moved && !resized) return { ...result, actionId: null, box: toBoxDto(box) };
    const what = moved && resized ? 'moved and resized' : moved ? 'moved' : 'resized';
    const { actionId, at } = store.labels.startAction(image.datasetId, 'user', `box ${what}: ${image.relPath}`);
    const change = { boxId, imageId: box.imageId, old: stateOf(box), new: manual(fitted) };
    replayBoxChange(store, change, change.old, change.new);
    store.boxes.recordChange(actionId, change, at);
    return { ...result, actionId, box: toBoxDto({ ...change.new, id: boxId, imageId: box.imageId }) };
  });
}

/** Deletes a box, as one undoable action (undo brings it back with the same id). */
export function deleteBox(store: LoupeStore, boxId: number): BoxEditResult {
  return store.transaction((): BoxEditResult => {
    const box = boxOrThrow(store, boxId);
    const image = imageFrame(store, box.imageId);
    const { actionId, at } = store.labels.startAction(image.datasetId, 'user', `box deleted: ${image.relPath}`);
    const change = { boxId, imageId: box.imageId, old: stateOf(box), new: null };
    replayBoxChange(store, change, change.old, change.new);
    store.boxes.recordChange(actionId, change, at);
    return { actionId, datasetId: image.datasetId, imageId: box.imageId, box: null };
  });
}
