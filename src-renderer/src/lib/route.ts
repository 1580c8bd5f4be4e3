// The view lives in the URL hash, so a reload or a second window lands on the same screen. The gallery's filters
// and sort live there too, so a filtered view can be reloaded or shared.
import { imageFilter, imageSort, type ImageFilter, type ImageSort } from '../../../src-main/shared/api-contract';
import type { ConfusionCell } from './training';

export type DatasetView = 'overview' | 'review' | 'gallery' | 'history' | 'training';

export type Route =
  | { view: 'datasets' }
  | { view: Exclude<DatasetView, 'gallery'>; datasetId: number }
  /**
   * `cell`: open the gallery on a confusion-matrix cell (a link from the Training view, kept across reloads);
   * `filter` (every other filter field) and `sort`: the rest of what the gallery shows.
   */
  | { view: 'gallery'; datasetId: number; cell?: ConfusionCell; filter?: GalleryFilter; sort?: ImageSort }
  | { view: 'image'; datasetId: number; imageId: number }
  | { view: 'person'; datasetId: number; subjectId: number };

/** The gallery filter without the confusion-cell fields, which the route carries as `cell`. */
export type GalleryFilter = Omit<ImageFilter, 'runId' | 'task' | 'given' | 'predicted'>;

/** URL parameter for each filter field: short, readable names (`?gender=0&age=2&path=000123`). */
const FILTER_PARAMS = {
  classIndex: 'class',
  label: 'label',
  mask: 'mask',
  gender: 'gender',
  ageGroup: 'age',
  review: 'review',
  subjectId: 'person',
  face: 'face',
  disagrees: 'disagree',
  pathContains: 'path',
} as const satisfies Record<keyof GalleryFilter, string>;

const NUMERIC_FILTERS = new Set<keyof GalleryFilter>([
  'classIndex',
  'label',
  'mask',
  'gender',
  'ageGroup',
  'subjectId',
]);

/** Each well-formed filter parameter, checked by the contract's own schema; a malformed one is dropped alone. */
function parseFilter(params: URLSearchParams): GalleryFilter | undefined {
  const filter: Record<string, unknown> = {};
  for (const [field, param] of Object.entries(FILTER_PARAMS) as [keyof GalleryFilter, string][]) {
    const text = params.get(param);
    if (text === null || text === '') continue;
    const value = NUMERIC_FILTERS.has(field)
      ? /^\d+$/.test(text)
        ? Number(text)
        : NaN
      : field === 'disagrees'
        ? text === '1' || undefined
        : text;
    const parsed = imageFilter.shape[field].safeParse(value);
    if (parsed.success && parsed.data !== undefined) filter[field] = parsed.data;
  }
  return Object.keys(filter).length > 0 ? filter : undefined;
}

/** The gallery route showing `filter` (cell fields included) sorted by `sort`; defaults are left out of the URL. */
export function galleryRoute(datasetId: number, filter: ImageFilter, sort: ImageSort): Route {
  const { runId, task, given, predicted, ...rest } = filter;
  const route: Route = { view: 'gallery', datasetId };
  if (runId !== undefined && task !== undefined && given !== undefined && predicted !== undefined) {
    route.cell = { runId, task, given, predicted };
  }
  const kept = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as GalleryFilter;
  if (Object.keys(kept).length > 0) route.filter = kept;
  if (sort !== 'path') route.sort = sort;
  return route;
}

/** What a gallery route asks the gallery to show, as one filter. */
export function routeFilter(route: Extract<Route, { view: 'gallery' }>): ImageFilter {
  return { ...route.filter, ...route.cell };
}

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
    const route: Route = { view, datasetId };
    const cell = parseCell(query);
    if (cell) route.cell = cell;
    const params = new URLSearchParams(query);
    const filter = parseFilter(params);
    if (filter) route.filter = filter;
    const sort = imageSort.safeParse(params.get('sort'));
    if (sort.success && sort.data !== 'path') route.sort = sort.data;
    return route;
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
      const query = new URLSearchParams();
      if (route.cell) {
        const { runId, task, given, predicted } = route.cell;
        query.set('run', String(runId));
        query.set('task', task);
        query.set('given', String(given));
        query.set('predicted', String(predicted));
      }
      for (const [field, param] of Object.entries(FILTER_PARAMS) as [keyof GalleryFilter, string][]) {
        const value = route.filter?.[field];
        if (value === true) query.set(param, '1');
        else if (value !== undefined && value !== false) query.set(param, String(value));
      }
      if (route.sort && route.sort !== 'path') query.set('sort', route.sort);
      const text = query.toString();
      return text ? `${base}?${text}` : base;
    }
    default:
      return `#/d/${route.datasetId}/${route.view}`;
  }
}

export function routeDatasetId(route: Route): number | null {
  return route.view === 'datasets' ? null : route.datasetId;
}
