// Geometry of the virtualized gallery: which rows to render for a scroll position, and which pages of
// `images.query` they need. Pure, so it is tested without a DOM.

export interface GridGeometry {
  /** Items in the whole (filtered) list. */
  total: number;
  columns: number;
  rowHeight: number;
}

export interface VisibleRange {
  /** First rendered row (inclusive). */
  firstRow: number;
  /** Row after the last rendered one (exclusive). */
  endRow: number;
  /** First rendered item index (inclusive). */
  startIndex: number;
  /** Item index after the last rendered one (exclusive). */
  endIndex: number;
  /** Height of the whole scrollable content. */
  totalHeight: number;
}

export function rowCount(total: number, columns: number): number {
  return columns > 0 ? Math.ceil(total / columns) : 0;
}

/** How many tiles of at least `minTileWidth` fit across `width`, with `gap` between them. Never less than one. */
export function columnsFor(width: number, minTileWidth: number, gap: number): number {
  if (width <= 0 || minTileWidth <= 0) return 1;
  return Math.max(1, Math.floor((width + gap) / (minTileWidth + gap)));
}

export function visibleRange(
  grid: GridGeometry,
  scrollTop: number,
  viewportHeight: number,
  overscanRows: number,
): VisibleRange {
  const rows = rowCount(grid.total, grid.columns);
  const totalHeight = rows * grid.rowHeight;
  if (rows === 0 || grid.rowHeight <= 0) {
    return { firstRow: 0, endRow: 0, startIndex: 0, endIndex: 0, totalHeight };
  }
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, totalHeight - viewportHeight)));
  const firstVisible = Math.floor(top / grid.rowHeight);
  const lastVisible = Math.ceil((top + Math.max(0, viewportHeight)) / grid.rowHeight);
  const firstRow = Math.max(0, firstVisible - overscanRows);
  const endRow = Math.min(rows, Math.max(lastVisible, firstVisible + 1) + overscanRows);
  return {
    firstRow,
    endRow,
    startIndex: firstRow * grid.columns,
    endIndex: Math.min(grid.total, endRow * grid.columns),
    totalHeight,
  };
}

/** Page numbers covering item indexes [start, end). */
export function pagesFor(start: number, end: number, pageSize: number): number[] {
  if (end <= start || pageSize <= 0) return [];
  const first = Math.floor(start / pageSize);
  const last = Math.floor((end - 1) / pageSize);
  const pages: number[] = [];
  for (let page = first; page <= last; page++) pages.push(page);
  return pages;
}

/**
 * The scrollTop that brings `index`'s row fully into view, or null when it already is. Scrolls as little as
 * possible, so walking with the arrow keys moves the view one row at a time.
 */
export function scrollToReveal(
  index: number,
  columns: number,
  rowHeight: number,
  scrollTop: number,
  viewportHeight: number,
): number | null {
  const row = Math.floor(index / Math.max(1, columns));
  const top = row * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return null;
}

export type GridMove = 'left' | 'right' | 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end';

/** The selection after a keyboard move, clamped to the list. */
export function moveIndex(index: number, move: GridMove, columns: number, total: number, pageRows: number): number {
  if (total <= 0) return 0;
  const cols = Math.max(1, columns);
  const step: Record<GridMove, number> = {
    left: -1,
    right: 1,
    up: -cols,
    down: cols,
    pageUp: -cols * Math.max(1, pageRows),
    pageDown: cols * Math.max(1, pageRows),
    home: -Infinity,
    end: Infinity,
  };
  const next = index + step[move];
  if (next === -Infinity || next < 0) return move === 'up' || move === 'pageUp' ? index % cols : 0;
  if (next === Infinity || next >= total) {
    if (move === 'down' || move === 'pageDown') {
      // Stay in the column when the next row has no item under it, unless there is a next row at all.
      return rowCount(total, cols) - 1 > Math.floor(index / cols) ? total - 1 : index;
    }
    return total - 1;
  }
  return next;
}

export function gridMoveForKey(key: string): GridMove | null {
  switch (key) {
    case 'ArrowLeft':
      return 'left';
    case 'ArrowRight':
      return 'right';
    case 'ArrowUp':
      return 'up';
    case 'ArrowDown':
      return 'down';
    case 'PageUp':
      return 'pageUp';
    case 'PageDown':
      return 'pageDown';
    case 'Home':
      return 'home';
    case 'End':
      return 'end';
    default:
      return null;
  }
}
