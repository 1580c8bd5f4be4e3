// Every keyboard shortcut, in one place: the views resolve keys here and the shortcuts dialog lists the same
// table, so the two cannot drift apart.
import type { ReviewStatus } from '../../../src-main/shared/api-contract';
import { AGE_GROUP_VALUES, GENDER_VALUES, MASK_VALUES, type DatasetKind } from '../../../src-main/shared/label-schema';

export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export type GlobalCommand = 'undo' | 'redo' | 'help';

export type LabelCommand =
  | { field: 'mask'; value: number }
  | { field: 'gender'; value: number }
  /** An age group (0–2); `labels.set` reads values below 3 as groups. */
  | { field: 'age'; value: number }
  | { field: 'label'; value: number };

export const MASK_KEYS = ['1', '2', '3'] as const;
export const GENDER_KEYS = ['m', 'f'] as const;
/** Young, adult, senior. */
export const AGE_GROUP_KEYS = ['y', 'a', 's'] as const;

export const REVIEW_KEYS: Readonly<Record<string, ReviewStatus>> = { v: 'verified', x: 'flagged', u: 'unreviewed' };

function plain(input: KeyInput): boolean {
  return !input.ctrlKey && !input.metaKey && !input.altKey;
}

export function globalCommand(input: KeyInput): GlobalCommand | null {
  const key = input.key.toLowerCase();
  if ((input.ctrlKey || input.metaKey) && !input.altKey) {
    if (key === 'z') return input.shiftKey ? 'redo' : 'undo';
    if (key === 'y' && !input.shiftKey) return 'redo';
    return null;
  }
  if (plain(input) && input.key === '?') return 'help';
  return null;
}

/** The relabel a key asks for, or null. `labelCount` is the number of single-label classes. */
export function labelCommand(input: KeyInput, kind: DatasetKind, labelCount: number): LabelCommand | null {
  if (!plain(input) || input.shiftKey) return null;
  const key = input.key.toLowerCase();
  if (kind === 'mask') {
    const mask = (MASK_KEYS as readonly string[]).indexOf(key);
    if (mask >= 0) return { field: 'mask', value: mask };
    const gender = (GENDER_KEYS as readonly string[]).indexOf(key);
    if (gender >= 0) return { field: 'gender', value: gender };
    const group = (AGE_GROUP_KEYS as readonly string[]).indexOf(key);
    if (group >= 0) return { field: 'age', value: group };
    return null;
  }
  if (/^[0-9]$/.test(key)) {
    const value = Number(key);
    return value < labelCount ? { field: 'label', value } : null;
  }
  return null;
}

/**
 * The review queue's keys. Accept is Enter alone: `A` already means "adult" in the relabel scheme, and keeping
 * one meaning per key across views matters more than a mnemonic. K keeps, J/↓ and Shift+J/↑ move.
 */
export type QueueCommand = 'accept' | 'keep' | 'next' | 'previous' | 'retrain' | 'open';

export function queueCommand(input: KeyInput): QueueCommand | null {
  if (!plain(input)) return null;
  if (input.key === 'ArrowDown') return 'next';
  if (input.key === 'ArrowUp') return 'previous';
  const key = input.key.toLowerCase();
  if (key === 'j') return input.shiftKey ? 'previous' : 'next';
  if (input.shiftKey) return null;
  if (input.key === 'Enter') return 'accept';
  if (key === 'k') return 'keep';
  if (key === 'r') return 'retrain';
  if (key === 'p') return 'open';
  return null;
}

export function reviewCommand(input: KeyInput): ReviewStatus | null {
  if (!plain(input) || input.shiftKey) return null;
  return REVIEW_KEYS[input.key.toLowerCase()] ?? null;
}

/**
 * The image view's face-box keys. Arrows act on a box only while one is selected, so with none selected they
 * keep walking the gallery. B, D and N are free in both relabel schemes. Esc is the view's: it cancels a drag, then
 * leaves draw mode, then deselects, and only then goes back to the gallery.
 */
export type BoxCommand =
  | { kind: 'move'; dx: number; dy: number }
  | { kind: 'resize'; dw: number; dh: number }
  | { kind: 'delete' }
  | { kind: 'add' }
  | { kind: 'draw' }
  | { kind: 'cycle'; delta: 1 | -1 };

/** Image pixels per arrow press, and with Shift. */
export const BOX_STEP = 1;
export const BOX_BIG_STEP = 10;

const ARROWS: Readonly<Record<string, readonly [number, number]>> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

export function boxCommand(input: KeyInput, selected: boolean): BoxCommand | null {
  if (input.ctrlKey || input.metaKey) return null;
  const arrow = ARROWS[input.key];
  if (arrow) {
    if (!selected) return null;
    const step = input.shiftKey ? BOX_BIG_STEP : BOX_STEP;
    const [x, y] = arrow;
    return input.altKey ? { kind: 'resize', dw: x * step, dh: y * step } : { kind: 'move', dx: x * step, dy: y * step };
  }
  if (input.altKey) return null;
  if (selected && (input.key === 'Delete' || input.key === 'Backspace')) return { kind: 'delete' };
  const key = input.key.toLowerCase();
  if (key === 'n') return { kind: 'cycle', delta: input.shiftKey ? -1 : 1 };
  if (input.shiftKey) return null;
  if (key === 'b') return { kind: 'add' };
  if (key === 'd') return { kind: 'draw' };
  return null;
}

export interface Shortcut {
  keys: string[];
  description: string;
}

export interface ShortcutGroup {
  title: string;
  items: Shortcut[];
}

export function shortcutGroups(kind: DatasetKind | null, labelNames: readonly string[]): ShortcutGroup[] {
  const groups: ShortcutGroup[] = [
    {
      title: 'Everywhere',
      items: [
        { keys: ['?'], description: 'Show keyboard shortcuts' },
        { keys: ['Ctrl+Z'], description: 'Undo the last label or box change' },
        { keys: ['Ctrl+Shift+Z', 'Ctrl+Y'], description: 'Redo' },
        { keys: ['Esc'], description: 'Close dialog / back to the gallery' },
      ],
    },
    {
      title: 'Review queue',
      items: [
        { keys: ['Enter'], description: 'Accept the suggested fix (one undoable action)' },
        { keys: ['K'], description: 'Keep the label: mark it verified, never flagged again' },
        { keys: ['J', '↓'], description: 'Next suspect' },
        { keys: ['Shift+J', '↑'], description: 'Previous suspect' },
        { keys: ['R'], description: 'Retrain (quick) and re-rank the queue' },
        { keys: ['P'], description: 'Open the suspect’s person (or photo)' },
        {
          keys: kind === 'mask' ? ['1', '2', '3', 'M', 'F', 'Y', 'A', 'S'] : ['0', '…', '9'],
          description: 'Pick another label for the suspect’s field (the relabel keys below)',
        },
      ],
    },
    {
      title: 'Gallery',
      items: [
        { keys: ['←', '→', '↑', '↓'], description: 'Move the selection' },
        { keys: ['PgUp', 'PgDn', 'Home', 'End'], description: 'Jump a page / to the start or end' },
        { keys: ['Enter'], description: 'Open the selected image (also double-click)' },
        { keys: ['P'], description: 'Open the selected image’s person' },
      ],
    },
    {
      title: 'Image view',
      items: [
        { keys: ['←', '→'], description: 'Previous / next image in gallery order (no box selected)' },
        { keys: ['P'], description: 'Open this image’s person' },
        { keys: ['V'], description: 'Mark reviewed (verified)' },
        { keys: ['X'], description: 'Flag for review' },
        { keys: ['U'], description: 'Mark unreviewed' },
      ],
    },
    {
      title: 'Face boxes (image view)',
      items: [
        { keys: ['D'], description: 'Draw a box: drag on the photo (Esc cancels)' },
        { keys: ['B'], description: 'Add a box over the usual face region' },
        { keys: ['N', 'Shift+N'], description: 'Select the next / previous box (also Tab, or click)' },
        { keys: ['←', '→', '↑', '↓'], description: `Move the selected box ${BOX_STEP} px (Shift: ${BOX_BIG_STEP} px)` },
        { keys: ['Alt+→', 'Alt+↓'], description: `Widen / heighten the selected box (Shift: ${BOX_BIG_STEP} px)` },
        { keys: ['Alt+←', 'Alt+↑'], description: 'Narrow / shorten the selected box' },
        { keys: ['Del', 'Backspace'], description: 'Delete the selected box' },
        { keys: ['Esc'], description: 'Cancel a drag / leave draw mode / deselect the box' },
        { keys: ['Ctrl+Z', 'Ctrl+Shift+Z'], description: 'Undo / redo box edits, with label changes' },
      ],
    },
    {
      title: 'Person view',
      items: [
        { keys: ['←', '→'], description: 'Select the previous / next photo' },
        { keys: ['Enter'], description: 'Open the selected photo' },
      ],
    },
    {
      title: 'Training view',
      items: [
        { keys: ['←', '→'], description: 'Switch task (on the task tabs)' },
        { keys: ['←', '→', '↑', '↓', 'Home', 'End'], description: 'Move between confusion-matrix cells' },
        { keys: ['Enter'], description: 'Open a cell’s images in the gallery' },
      ],
    },
  ];
  if (kind === 'mask') {
    groups.push({
      title: 'Relabel (image, person and review views)',
      items: [
        ...MASK_KEYS.map((key, i) => ({ keys: [key], description: `Mask: ${MASK_VALUES[i]} (this photo)` })),
        ...GENDER_KEYS.map((key, i) => ({
          keys: [key.toUpperCase()],
          description: `Gender: ${GENDER_VALUES[i]} (whole person)`,
        })),
        ...AGE_GROUP_KEYS.map((key, i) => ({
          keys: [key.toUpperCase()],
          description: `Age group: ${AGE_GROUP_VALUES[i]} (whole person)`,
        })),
      ],
    });
  } else if (kind !== null) {
    groups.push({
      title: 'Relabel (image and review views)',
      items: labelNames.slice(0, 10).map((name, i) => ({ keys: [String(i)], description: `Label: ${name}` })),
    });
  }
  return groups;
}
