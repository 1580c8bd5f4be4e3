// The view lives in the URL hash, so a reload or a second window lands on the same screen.

export type DatasetView = 'overview' | 'gallery' | 'history';

export type Route =
  | { view: 'datasets' }
  | { view: DatasetView; datasetId: number }
  | { view: 'image'; datasetId: number; imageId: number }
  | { view: 'person'; datasetId: number; subjectId: number };

function positiveInt(text: string | undefined): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] !== 'd') return { view: 'datasets' };
  const datasetId = positiveInt(parts[1]);
  if (datasetId === null) return { view: 'datasets' };
  const view = parts[2];
  const id = positiveInt(parts[3]);
  if (view === 'gallery' || view === 'history' || view === 'overview') return { view, datasetId };
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
    default:
      return `#/d/${route.datasetId}/${route.view}`;
  }
}

export function routeDatasetId(route: Route): number | null {
  return route.view === 'datasets' ? null : route.datasetId;
}
