import type { ApiEvents } from '../../shared/api-contract';
import type { ApiContext } from './api-context';

/** Above this many images a 'boxes.changed' event says "many" (null) rather than listing them. */
const BOX_EVENT_IMAGES = 500;

/**
 * Box actions sit on the label undo stack: 'labels.changed' refreshes history panels, 'boxes.changed' the images.
 * Without `imageIds` the images are read from the action's history rows.
 */
export function emitBoxAction(
  { store, emit }: ApiContext,
  datasetId: number,
  actionId: number,
  reason: ApiEvents['labels.changed']['reason'],
  imageIds?: number[],
): void {
  const ids = imageIds ?? store.boxes.imagesOfAction(actionId);
  emit('boxes.changed', { datasetId, imageIds: ids.length > BOX_EVENT_IMAGES ? null : ids });
  emit('labels.changed', { datasetId, actionId, reason });
}
