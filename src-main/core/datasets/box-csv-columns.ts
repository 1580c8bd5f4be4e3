// Box columns of a CSV, in either convention tools write: `x,y,w,h` (corner and size) or `x1,y1,x2,y2` (two
// corners). Shared by the dataset CSV scanner and the box import, so both read a row's box the same way and give
// the same reasons for a bad one.
import type { BoxRect } from '../../shared/api-contract';
import { findColumns, requireColumns } from './csv-table';

const XYWH = ['x', 'y', 'w', 'h'] as const;
const CORNERS = ['x1', 'y1', 'x2', 'y2'] as const;

export type BoxColumns =
  | { style: 'xywh'; index: Record<(typeof XYWH)[number], number> }
  | { style: 'corners'; index: Record<(typeof CORNERS)[number], number> };

/**
 * The box columns of a header (case-insensitive), or null when it has none. Throws, naming what is missing, for
 * half a set, and for both sets at once: a row could then say two different things about one box.
 */
export function findBoxColumns(columns: readonly string[], fileName: string): BoxColumns | null {
  const hasXywh = Object.keys(findColumns(columns, XYWH)).length > 0;
  const hasCorners = Object.keys(findColumns(columns, CORNERS)).length > 0;
  if (hasXywh && hasCorners) {
    throw new Error(`${fileName} has both x,y,w,h and x1,y1,x2,y2 box columns; keep one set`);
  }
  if (hasCorners) return { style: 'corners', index: requireColumns(columns, CORNERS, fileName) };
  if (hasXywh) return { style: 'xywh', index: requireColumns(columns, XYWH, fileName) };
  return null;
}

/**
 * One row's box in pixels: null when all its box cells are empty (a row for an image without a box), otherwise
 * the box or why it is unusable. Whether it fits the image is the caller's to check: scanners never decode.
 */
export function readBoxCells(columns: BoxColumns, cell: (index: number) => string): BoxRect | null | string {
  const names = columns.style === 'xywh' ? XYWH : CORNERS;
  const cells = names.map((name) => cell((columns.index as Record<string, number>)[name]!));
  if (cells.every((text) => text.trim() === '')) return null;
  const [a, b, c, d] = cells.map((text) => (text.trim() === '' ? NaN : Number(text))) as [
    number,
    number,
    number,
    number,
  ];
  const written = `(${cells.join(', ')})`;
  if (![a, b, c, d].every(Number.isFinite))
    return `bad box ${written}: ${names.join(', ').replace(/, (\w+)$/, ' and $1')} must all be numbers`;
  if (columns.style === 'xywh') {
    if (a < 0 || b < 0 || c <= 0 || d <= 0) return `bad box ${written}: x and y must be ≥ 0, w and h > 0`;
    return { x: a, y: b, w: c, h: d };
  }
  if (a < 0 || b < 0) return `bad box ${written}: x1 and y1 must be ≥ 0`;
  if (c <= a || d <= b) return `bad box ${written}: x2 must be greater than x1 and y2 greater than y1`;
  return { x: a, y: b, w: c - a, h: d - b };
}
