import { listHistory, redo, setLabel, undo } from '../history/label-history';
import type { ApiArea, ApiContext } from './api-context';
import { emitBoxAction } from './edit-events';

export function labelsApi(ctx: ApiContext): ApiArea<'labels' | 'history'> {
  const { store, emit } = ctx;
  return {
    'labels.set': ({ datasetId, target, field, value }) => {
      const result = setLabel(store, { datasetId, target, field, value });
      if (result.actionId !== null) emit('labels.changed', { datasetId, actionId: result.actionId, reason: 'set' });
      return Promise.resolve(result);
    },
    'history.status': ({ datasetId }) => Promise.resolve(store.labels.undoRedoStatus(datasetId)),
    'history.list': ({ datasetId, limit }) => Promise.resolve(listHistory(store, datasetId, limit)),
    'history.undo': ({ datasetId }) => {
      const { action } = undo(store, datasetId);
      if (action?.boxChanges) emitBoxAction(ctx, datasetId, action.actionId, 'undo');
      else if (action) emit('labels.changed', { datasetId, actionId: action.actionId, reason: 'undo' });
      return Promise.resolve({ action });
    },
    'history.redo': ({ datasetId }) => {
      const { action } = redo(store, datasetId);
      if (action?.boxChanges) emitBoxAction(ctx, datasetId, action.actionId, 'redo');
      else if (action) emit('labels.changed', { datasetId, actionId: action.actionId, reason: 'redo' });
      return Promise.resolve({ action });
    },
  };
}
