import { describe, expect, it } from 'vitest';
import {
  columnsFor,
  gridMoveForKey,
  moveIndex,
  pagesFor,
  rowCount,
  scrollToReveal,
  visibleRange,
} from './virtual-grid';

describe('columnsFor', () => {
  it('fits tiles with gaps and never returns less than one', () => {
    expect(columnsFor(1000, 140, 8)).toBe(6);
    expect(columnsFor(140, 140, 8)).toBe(1);
    expect(columnsFor(50, 140, 8)).toBe(1);
    expect(columnsFor(0, 140, 8)).toBe(1);
  });
});

describe('visibleRange', () => {
  const grid = { total: 18_900, columns: 6, rowHeight: 170 };

  it('renders only the visible rows plus overscan', () => {
    const range = visibleRange(grid, 0, 700, 2);
    expect(range.firstRow).toBe(0);
    expect(range.endRow).toBe(7);
    expect(range.startIndex).toBe(0);
    expect(range.endIndex).toBe(42);
    expect(range.totalHeight).toBe(rowCount(18_900, 6) * 170);
  });

  it('follows the scroll position', () => {
    const range = visibleRange(grid, 170 * 1000 + 50, 700, 2);
    expect(range.firstRow).toBe(998);
    expect(range.endRow).toBe(1007);
    expect(range.endIndex - range.startIndex).toBe(9 * 6);
  });

  it('clamps past the end and stops at the last item', () => {
    const range = visibleRange(grid, 1e9, 700, 2);
    expect(range.endRow).toBe(rowCount(18_900, 6));
    expect(range.endIndex).toBe(18_900);
  });

  it('is empty for an empty list', () => {
    expect(visibleRange({ ...grid, total: 0 }, 0, 700, 2)).toEqual({
      firstRow: 0,
      endRow: 0,
      startIndex: 0,
      endIndex: 0,
      totalHeight: 0,
    });
  });

  it('renders at least one row before the viewport is measured', () => {
    expect(visibleRange(grid, 0, 0, 0).endRow).toBe(1);
  });
});

describe('pagesFor', () => {
  it('lists the pages covering a range', () => {
    expect(pagesFor(0, 42, 200)).toEqual([0]);
    expect(pagesFor(190, 410, 200)).toEqual([0, 1, 2]);
    expect(pagesFor(400, 400, 200)).toEqual([]);
  });
});

describe('scrollToReveal', () => {
  it('scrolls up or down just enough', () => {
    expect(scrollToReveal(0, 6, 170, 340, 700)).toBe(0);
    expect(scrollToReveal(6 * 10, 6, 170, 0, 700)).toBe(11 * 170 - 700);
    expect(scrollToReveal(6, 6, 170, 0, 700)).toBeNull();
  });
});

describe('moveIndex', () => {
  it('moves by one and by a row', () => {
    expect(moveIndex(10, 'right', 6, 100, 4)).toBe(11);
    expect(moveIndex(10, 'left', 6, 100, 4)).toBe(9);
    expect(moveIndex(10, 'down', 6, 100, 4)).toBe(16);
    expect(moveIndex(10, 'up', 6, 100, 4)).toBe(4);
  });

  it('clamps at the edges', () => {
    expect(moveIndex(0, 'left', 6, 100, 4)).toBe(0);
    expect(moveIndex(3, 'up', 6, 100, 4)).toBe(3);
    expect(moveIndex(99, 'right', 6, 100, 4)).toBe(99);
    expect(moveIndex(5, 'home', 6, 100, 4)).toBe(0);
    expect(moveIndex(5, 'end', 6, 100, 4)).toBe(99);
    expect(moveIndex(10, 'pageDown', 6, 100, 4)).toBe(34);
  });

  it('goes to the last item when the next row is shorter', () => {
    // 100 items in 6 columns: the last row holds 96..99.
    expect(moveIndex(95, 'down', 6, 100, 4)).toBe(99);
    expect(moveIndex(98, 'down', 6, 100, 4)).toBe(98);
  });

  it('maps keys', () => {
    expect(gridMoveForKey('ArrowDown')).toBe('down');
    expect(gridMoveForKey('a')).toBeNull();
  });
});
