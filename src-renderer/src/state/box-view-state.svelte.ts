// Where face boxes are drawn besides the image view (gallery thumbnails, person view), remembered across sessions,
// and a revision that bumps when boxes change under the open dataset without a label event to say so (a detection
// run, another viewer), so the views that draw boxes reload.
import { api } from '../lib/api';
import { datasets } from './dataset-state.svelte';
import { gallery } from './gallery-state.svelte';

const GALLERY_KEY = 'loupe.showBoxes.gallery';
const PERSON_KEY = 'loupe.showBoxes.person';

function readFlag(key: string, fallback: boolean): boolean {
  try {
    const stored = localStorage.getItem(key);
    return stored === null ? fallback : stored === '1';
  } catch {
    // Storage can be unavailable (privacy settings); the default then holds for this session.
    return fallback;
  }
}

function writeFlag(key: string, value: boolean): void {
  try {
    localStorage.setItem(key, value ? '1' : '0');
  } catch {
    // Not remembered, still applied.
  }
}

export class BoxViewState {
  // Off in the gallery: the grid is for scanning mask labels at a glance, and outlines there are opt-in.
  #inGallery = $state(readFlag(GALLERY_KEY, false));
  #inPerson = $state(readFlag(PERSON_KEY, true));
  #revision = $state(0);
  /**
   * Images whose box edit this window made and already refreshed for, per pending 'boxes.changed' echo.
   * Bookkeeping, never rendered.
   */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #ownEdits = new Map<number, number>();

  get inGallery(): boolean {
    return this.#inGallery;
  }

  set inGallery(value: boolean) {
    this.#inGallery = value;
    writeFlag(GALLERY_KEY, value);
  }

  get inPerson(): boolean {
    return this.#inPerson;
  }

  set inPerson(value: boolean) {
    this.#inPerson = value;
    writeFlag(PERSON_KEY, value);
  }

  /** Bumps when boxes changed under the open dataset by something other than this window's own edits. */
  get revision(): number {
    return this.#revision;
  }

  start(): () => void {
    return api.on('boxes.changed', (event) => {
      if (event.datasetId !== datasets.current?.id) return;
      const only = event.imageIds?.length === 1 ? event.imageIds[0] : undefined;
      const pending = only === undefined ? 0 : (this.#ownEdits.get(only) ?? 0);
      if (only !== undefined && pending > 0) {
        this.withdrawOwnEdit(only);
        return;
      }
      this.#revision++;
      gallery.refresh();
    });
  }

  /**
   * This window is about to edit a box on `imageId` and refreshes itself; the event echoing it is then skipped.
   * Noted before the request, since the event can arrive before the answer.
   */
  expectOwnEdit(imageId: number): void {
    this.#ownEdits.set(imageId, (this.#ownEdits.get(imageId) ?? 0) + 1);
  }

  /** The edit failed or changed nothing: no event will echo it. */
  withdrawOwnEdit(imageId: number): void {
    const pending = this.#ownEdits.get(imageId) ?? 0;
    if (pending <= 1) this.#ownEdits.delete(imageId);
    else this.#ownEdits.set(imageId, pending - 1);
  }
}

export const boxViews = new BoxViewState();
