// The view lives in the URL hash, so a reload or a second window lands on the same screen.
import type { ConfusionCell } from './training';

export type DatasetView = 'overview' | 'review' | 'gallery' | 'history' | 'training';

export type Route =
  | { view: 'datasets' }
  | { view: Exclude<DatasetView, 'gallery'>; datasetId: number }
  /** `cell`: open the gallery on a confusion-matrix cell (a link from the Training view, kept across reloads). */
  | { view: 'gallery'; datasetId: number; cell?: ConfusionCell }
  | { view: 'image'; datasetId: number; imageId: number }
  | { view: 'person'; datasetId: number; subjectId: number };

function positiveInt(text: string | undefined | null): number | null {
  if (text === undefined || text === null || !/^\d+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

function nonNegativeInt(text: string | null): number | null {
  if (text === '0') return 0;
  return positiveInt(text);
}

/** `run=3&task=gender&given=0&predicted=1`, or undefined unless every part is well formed. */
function parseCell(query: string): ConfusionCell | undefined {
  const params = new URLSearchParams(query);
  const runId = positiveInt(params.get('run'));
  const task = params.get('task');
  const given = nonNegativeInt(params.get('given'));
  const predicted = nonNegativeInt(params.get('predicted'));
  if (
    runId === null ||
    task === null ||
    !/^[a-z][a-z0-9_-]{0,19}$/i.test(task) ||
    given === null ||
    predicted === null
  ) {
    return undefined;
  }
  return { runId, task, given, predicted };
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] !== 'd') return { view: 'datasets' };
  const datasetId = positiveInt(parts[1]);
  if (datasetId === null) return { view: 'datasets' };
  const view = parts[2];
  const id = positiveInt(parts[3]);
  if (view === 'gallery') {
    const cell = parseCell(query);
    return cell ? { view, datasetId, cell } : { view, datasetId };
  }
  if (view === 'history' || view === 'overview' || view === 'review' || view === 'training') return { view, datasetId };
  if (view === 'image' && id !== null) return { view, datasetId, imageId: id };
  if (view === 'person' && id !== null) return { view, datasetId, subjectId: id };
  return { view: 'overview', datasetId };
}

export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'datasets':
      return '#/';
    case 'image':
      return `#/d/${route.datasetId}/image/${route.imageId}`;
    case 'person':
      return `#/d/${route.datasetId}/person/${route.subjectId}`;
    case 'gallery': {
      const base = `#/d/${route.datasetId}/gallery`;
      if (!route.cell) return base;
      const { runId, task, given, predicted } = route.cell;
      const query = new URLSearchParams({
        run: String(runId),
        task,
        given: String(given),
        predicted: String(predicted),
      });
      return `${base}?${query.toString()}`;
    }
    default:
      return `#/d/${route.datasetId}/${route.view}`;
  }
}

export function routeDatasetId(route: Route): number | null {
  return route.view === 'datasets' ? null : route.datasetId;
}
