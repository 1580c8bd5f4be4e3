import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute, type Route } from './route';

describe('route', () => {
  it('round-trips every view', () => {
    const routes: Route[] = [
      { view: 'datasets' },
      { view: 'overview', datasetId: 3 },
      { view: 'gallery', datasetId: 3 },
      { view: 'review', datasetId: 3 },
      { view: 'history', datasetId: 3 },
      { view: 'training', datasetId: 3 },
      { view: 'gallery', datasetId: 3, cell: { runId: 5, task: 'gender', given: 0, predicted: 1 } },
      { view: 'image', datasetId: 3, imageId: 42 },
      { view: 'person', datasetId: 3, subjectId: 7 },
    ];
    for (const route of routes) expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  it('falls back on malformed hashes', () => {
    expect(parseRoute('')).toEqual({ view: 'datasets' });
    expect(parseRoute('#/d/x/gallery')).toEqual({ view: 'datasets' });
    expect(parseRoute('#/d/2/image/nope')).toEqual({ view: 'overview', datasetId: 2 });
    // A half-formed confusion cell is dropped rather than guessed at.
    expect(parseRoute('#/d/2/gallery?run=3&task=gender&given=0')).toEqual({ view: 'gallery', datasetId: 2 });
    expect(parseRoute('#/d/2/gallery?run=0&task=gender&given=0&predicted=1')).toEqual({
      view: 'gallery',
      datasetId: 2,
    });
  });

  it('writes a confusion cell as a readable query', () => {
    expect(
      formatRoute({ view: 'gallery', datasetId: 1, cell: { runId: 3, task: 'age', given: 2, predicted: 0 } }),
    ).toBe('#/d/1/gallery?run=3&task=age&given=2&predicted=0');
  });
});
