// The image view's face-box editor: selection, draw mode, the drag in progress and the edit not yet saved. A drag
// or a run of arrow presses changes a local draft that is drawn at once; it is saved as one `boxes.update` when
// the pointer or key is released, so one gesture is one undoable action. Writes go out one at a time, in order,
// so a quick move-then-delete reaches the server as the user did it.
import type { BoxDto, BoxEditResult, BoxRect } from '../../../src-main/shared/api-contract';
import { api } from '../lib/api';
import {
  defaultFaceBox,
  moveRect,
  rectBetween,
  rectOf,
  resizeRect,
  sameRect,
  type Handle,
  type ImageSize,
  type Point,
} from '../lib/box-geometry';
import { boxViews } from './box-view-state.svelte';
import { datasets } from './dataset-state.svelte';

/** A key release can be missed (focus moved away mid-press); the draft is saved after this long regardless. */
const KEY_SAVE_MS = 1000;

export interface EditedImage {
  id: number;
  width: number;
  height: number;
  boxes: readonly BoxDto[];
}

type Gesture =
  | { kind: 'draw'; start: Point }
  | { kind: 'move'; boxId: number; origin: BoxRect; start: Point }
  | { kind: 'resize'; boxId: number; origin: BoxRect; start: Point; handle: Handle };

interface Draft {
  boxId: number;
  rect: BoxRect;
}

export class BoxEditorState {
  #imageId = $state<number | null>(null);
  #size = $state.raw<ImageSize>({ width: 0, height: 0 });
  #stored = $state.raw<readonly BoxDto[]>([]);
  #selectedId = $state<number | null>(null);
  #drawMode = $state(false);
  #draft = $state.raw<Draft | null>(null);
  #sketch = $state.raw<BoxRect | null>(null);
  #gesture: Gesture | null = null;
  #keyTimer: ReturnType<typeof setTimeout> | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  /** The boxes as drawn: stored ones, with the unsaved draft applied. */
  #shown = $derived.by(() => {
    const draft = this.#draft;
    return draft ? this.#stored.map((box) => (box.id === draft.boxId ? { ...box, ...draft.rect } : box)) : this.#stored;
  });

  get boxes(): readonly BoxDto[] {
    return this.#shown;
  }

  get size(): ImageSize {
    return this.#size;
  }

  get selectedId(): number | null {
    return this.#selectedId;
  }

  get selected(): BoxDto | null {
    return this.#shown.find((box) => box.id === this.#selectedId) ?? null;
  }

  get drawMode(): boolean {
    return this.#drawMode;
  }

  /** The box a draw drag spans so far. */
  get sketch(): BoxRect | null {
    return this.#sketch;
  }

  /** Whether a pointer drag is under way. */
  get dragging(): boolean {
    return this.#gesture !== null;
  }

  /** The image and its stored boxes, after a load or reload. An unsaved draft of a box still there stays drawn. */
  show(image: EditedImage): void {
    if (image.id !== this.#imageId) {
      // Another image: what was being typed on the last one is saved, the rest starts over.
      void this.save().catch(() => undefined);
      this.#gesture = null;
      this.#sketch = null;
      this.#selectedId = null;
      this.#drawMode = false;
      this.#imageId = image.id;
    }
    this.#size = { width: image.width, height: image.height };
    this.#stored = image.boxes;
    if (!image.boxes.some((box) => box.id === this.#selectedId)) this.#selectedId = null;
    if (this.#draft && !image.boxes.some((box) => box.id === this.#draft?.boxId)) this.#draft = null;
  }

  select(boxId: number | null): void {
    if (boxId === this.#selectedId) return;
    this.#selectedId = boxId;
  }

  /** Next or previous box in drawing order, wrapping; the first (or last) when none is selected. */
  cycle(delta: 1 | -1): void {
    const boxes = this.#shown;
    if (boxes.length === 0) return;
    const at = boxes.findIndex((box) => box.id === this.#selectedId);
    const next = at < 0 ? (delta === 1 ? 0 : boxes.length - 1) : (at + delta + boxes.length) % boxes.length;
    this.select(boxes[next]?.id ?? null);
  }

  setDrawMode(on: boolean): void {
    this.#drawMode = on;
    if (on) this.#selectedId = null;
  }

  /** Esc: cancel a drag, else leave draw mode, else deselect. False when there was nothing to undo this way. */
  escape(): boolean {
    if (this.#gesture) {
      this.#gesture = null;
      this.#sketch = null;
      this.#draft = null;
      return true;
    }
    if (this.#drawMode) {
      this.#drawMode = false;
      return true;
    }
    if (this.#selectedId !== null) {
      this.#selectedId = null;
      return true;
    }
    return false;
  }

  // Pointer gestures, in image pixels.

  beginDraw(at: Point): void {
    this.#gesture = { kind: 'draw', start: at };
    this.#sketch = null;
  }

  beginMove(boxId: number, at: Point): void {
    const box = this.#shown.find((b) => b.id === boxId);
    if (!box) return;
    this.select(boxId);
    this.#gesture = { kind: 'move', boxId, origin: rectOf(box), start: at };
  }

  beginResize(boxId: number, handle: Handle, at: Point): void {
    const box = this.#shown.find((b) => b.id === boxId);
    if (!box) return;
    this.select(boxId);
    this.#gesture = { kind: 'resize', boxId, origin: rectOf(box), start: at, handle };
  }

  dragTo(at: Point): void {
    const gesture = this.#gesture;
    if (!gesture) return;
    const size = this.#size;
    if (gesture.kind === 'draw') {
      this.#sketch = rectBetween(gesture.start, at, size);
      return;
    }
    const dx = at.x - gesture.start.x;
    const dy = at.y - gesture.start.y;
    const rect =
      gesture.kind === 'move'
        ? moveRect(gesture.origin, dx, dy, size)
        : resizeRect(gesture.origin, gesture.handle, dx, dy, size);
    this.#draft = { boxId: gesture.boxId, rect };
  }

  /** Pointer released: a drawn box is added (and draw mode ends), a moved or resized one saved. */
  async endDrag(): Promise<void> {
    const gesture = this.#gesture;
    this.#gesture = null;
    if (!gesture) return;
    if (gesture.kind === 'draw') {
      const rect = this.#sketch;
      this.#sketch = null;
      // A click without a drag draws nothing and leaves draw mode on.
      if (!rect) return;
      this.#drawMode = false;
      await this.add(rect);
      return;
    }
    await this.save();
  }

  // Keyboard edits of the selected box.

  nudge(dx: number, dy: number): void {
    this.#editSelected((rect) => moveRect(rect, dx, dy, this.#size));
  }

  /** Grows (or shrinks) the selected box at its right and bottom edges. */
  resizeBy(dw: number, dh: number): void {
    this.#editSelected((rect) => resizeRect(rect, 'se', dw, dh, this.#size));
  }

  /** An arrow key was released: the presses so far become one saved edit. */
  keyReleased(): Promise<void> {
    return this.save();
  }

  #editSelected(change: (rect: BoxRect) => BoxRect): void {
    const box = this.selected;
    if (!box || this.#gesture) return;
    this.#draft = { boxId: box.id, rect: change(rectOf(box)) };
    if (this.#keyTimer) clearTimeout(this.#keyTimer);
    this.#keyTimer = setTimeout(() => void this.save().catch(() => undefined), KEY_SAVE_MS);
  }

  // Writes.

  /** Saves the draft, if any, as one `boxes.update`. */
  async save(): Promise<void> {
    if (this.#keyTimer) {
      clearTimeout(this.#keyTimer);
      this.#keyTimer = null;
    }
    const draft = this.#draft;
    if (!draft || this.#gesture) return;
    const stored = this.#stored.find((box) => box.id === draft.boxId);
    if (!stored || sameRect(rectOf(stored), draft.rect)) {
      this.#draft = null;
      return;
    }
    const imageId = this.#imageId;
    try {
      const result = await this.#write(imageId, () =>
        api.call('boxes.update', { boxId: draft.boxId, box: draft.rect }),
      );
      this.#applyResult(result, draft.boxId);
    } finally {
      // A newer draft (a key pressed while this one was saving) stays.
      if (this.#draft === draft) this.#draft = null;
    }
  }

  async add(rect: BoxRect): Promise<void> {
    const imageId = this.#imageId;
    if (imageId === null) return;
    const result = await this.#write(imageId, () => api.call('boxes.add', { imageId, box: rect }));
    this.#applyResult(result, null);
    if (result.box && result.imageId === this.#imageId) this.#selectedId = result.box.id;
  }

  /** B: a box over the usual face region, selected, to be fitted with the keys. */
  addDefault(): Promise<void> {
    if (this.#size.width <= 0 || this.#size.height <= 0) return Promise.resolve();
    return this.add(defaultFaceBox(this.#size));
  }

  async removeSelected(): Promise<void> {
    const box = this.selected;
    if (!box) return;
    const index = this.#shown.indexOf(box);
    if (this.#draft?.boxId === box.id) this.#draft = null;
    const result = await this.#write(this.#imageId, () => api.call('boxes.delete', { boxId: box.id }));
    this.#applyResult(result, box.id);
    // Keep working down the list: the box that took its place, else the one before.
    if (result.imageId === this.#imageId && this.#selectedId === box.id) {
      const left = this.#shown;
      this.#selectedId = left[Math.min(index, left.length - 1)]?.id ?? null;
    }
  }

  /** One write after another; the window notes its own edit first, since the event may beat the answer. */
  #write(imageId: number | null, call: () => Promise<BoxEditResult>): Promise<BoxEditResult> {
    const run = async (): Promise<BoxEditResult> => {
      if (imageId !== null) boxViews.expectOwnEdit(imageId);
      let result: BoxEditResult;
      try {
        result = await call();
      } catch (error) {
        if (imageId !== null) boxViews.withdrawOwnEdit(imageId);
        throw error;
      }
      if (result.actionId === null) boxViews.withdrawOwnEdit(result.imageId);
      // Refreshes this window's views (gallery, history) and skips the 'labels.changed' echo of the action.
      else datasets.noteOwnChange('set', result.actionId);
      return result;
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** The stored boxes after a write, so the view is right before the reload arrives. */
  #applyResult(result: BoxEditResult, boxId: number | null): void {
    if (result.imageId !== this.#imageId) return;
    const after = result.box;
    if (after === null) this.#stored = this.#stored.filter((box) => box.id !== boxId);
    else if (this.#stored.some((box) => box.id === after.id)) {
      this.#stored = this.#stored.map((box) => (box.id === after.id ? after : box));
    } else this.#stored = [...this.#stored, after];
  }

  /** Leaving the view: save what the keys changed. */
  dispose(): void {
    void this.save().catch(() => undefined);
  }
}
