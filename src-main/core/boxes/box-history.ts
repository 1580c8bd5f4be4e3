// Box rows of the undo stack (box_history). Each row holds a box's state before and after one action, so undo and
// redo write a state back rather than re-running the edit; a box keeps its id through every step.
//
// Images whose boxes a person (or a box import) decided have a live box_history row, applied or undone
// (BoxRepository.imagesWithHistory). Anything that writes boxes outside history — the face detector, a dataset
// re-import — must leave these images alone: otherwise a deleted detected box would come back, and a later undo or
// redo would replay over boxes it never recorded. Discarded rows do not count: nothing can replay them.
import type { BoxDto } from '../../shared/api-contract';
import type { BoxChange, BoxState, LoupeStore, StoredBox } from '../db/store';

export function stateOf(box: StoredBox): BoxState {
  return { x: box.x, y: box.y, w: box.w, h: box.h, source: box.source, score: box.score };
}

export function toBoxDto(box: StoredBox): BoxDto {
  return { id: box.id, x: box.x, y: box.y, w: box.w, h: box.h, source: box.source, score: box.score };
}

/**
 * Moves a box from the state `from` to `to` (either null: absent), keeping its id: undo passes (new, old), redo
 * (old, new). Writers outside history (the face detector, a dataset re-import) may have reused a freed id
 * meanwhile — SQLite hands out max(id) + 1 — so a row found where none was expected is someone else's box: it
 * moves to a fresh id and stays, rather than being overwritten or deleted.
 */
export function replayBoxChange(
  store: LoupeStore,
  change: BoxChange,
  from: BoxState | null,
  to: BoxState | null,
): void {
  const current = store.boxes.read(change.boxId);
  const ours = current !== null && from !== null && current.imageId === change.imageId;
  if (current !== null && !ours) {
    if (to === null) return;
    store.boxes.insert(current.imageId, stateOf(current));
  }
  if (to === null) {
    if (ours) store.boxes.remove(change.boxId);
    return;
  }
  store.boxes.put(change.boxId, change.imageId, to);
}
