import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute, type Route } from './route';

describe('route', () => {
  it('round-trips every view', () => {
    const routes: Route[] = [
      { view: 'datasets' },
      { view: 'overview', datasetId: 3 },
      { view: 'gallery', datasetId: 3 },
      { view: 'history', datasetId: 3 },
      { view: 'image', datasetId: 3, imageId: 42 },
      { view: 'person', datasetId: 3, subjectId: 7 },
    ];
    for (const route of routes) expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  it('falls back on malformed hashes', () => {
    expect(parseRoute('')).toEqual({ view: 'datasets' });
    expect(parseRoute('#/d/x/gallery')).toEqual({ view: 'datasets' });
    expect(parseRoute('#/d/2/image/nope')).toEqual({ view: 'overview', datasetId: 2 });
  });
});
