import { describe, expect, it } from 'vitest';
import { formatRoute, galleryRoute, parseRoute, routeFilter, type Route } from './route';

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
      { view: 'gallery', datasetId: 3, filter: { gender: 0, ageGroup: 2, pathContains: '000123' }, sort: 'class' },
      {
        view: 'gallery',
        datasetId: 3,
        cell: { runId: 5, task: 'mask', given: 0, predicted: 2 },
        filter: { review: 'verified', face: 'none', subjectId: 9, disagrees: true },
      },
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

  it('keeps the gallery filter readable in the URL and drops malformed parts one by one', () => {
    expect(formatRoute(galleryRoute(1, { gender: 1, mask: 0 }, 'age'))).toBe('#/d/1/gallery?mask=0&gender=1&sort=age');
    expect(parseRoute('#/d/1/gallery?gender=7&age=1&face=maybe&sort=sideways&path=a%2Fb')).toEqual({
      view: 'gallery',
      datasetId: 1,
      filter: { ageGroup: 1, pathContains: 'a/b' },
    });
    // The default sort and an empty filter leave the URL plain.
    expect(formatRoute(galleryRoute(1, {}, 'path'))).toBe('#/d/1/gallery');
    expect(formatRoute(galleryRoute(1, { disagrees: true }, 'confidence'))).toBe(
      '#/d/1/gallery?disagree=1&sort=confidence',
    );
  });

  it('turns a gallery route back into one filter, cell included', () => {
    const route = parseRoute('#/d/1/gallery?run=2&task=gender&given=0&predicted=1&mask=2');
    if (route.view !== 'gallery') throw new Error('not a gallery route');
    expect(routeFilter(route)).toEqual({ mask: 2, runId: 2, task: 'gender', given: 0, predicted: 1 });
  });
});
