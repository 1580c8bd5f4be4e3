import { describe, expect, it } from 'vitest';
import {
  boxCommand,
  globalCommand,
  labelCommand,
  queueCommand,
  reviewCommand,
  shortcutGroups,
  type KeyInput,
} from './shortcuts';

function key(k: string, mods: Partial<KeyInput> = {}): KeyInput {
  return { key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods };
}

describe('shortcuts', () => {
  it('resolves undo and redo', () => {
    expect(globalCommand(key('z', { ctrlKey: true }))).toBe('undo');
    expect(globalCommand(key('Z', { ctrlKey: true, shiftKey: true }))).toBe('redo');
    expect(globalCommand(key('y', { ctrlKey: true }))).toBe('redo');
    expect(globalCommand(key('z', { metaKey: true }))).toBe('undo');
    expect(globalCommand(key('?', { shiftKey: true }))).toBe('help');
    expect(globalCommand(key('z'))).toBeNull();
  });

  it('resolves competition relabel keys', () => {
    expect(labelCommand(key('1'), 'mask', 0)).toEqual({ field: 'mask', value: 0 });
    expect(labelCommand(key('3'), 'mask', 0)).toEqual({ field: 'mask', value: 2 });
    expect(labelCommand(key('F', { shiftKey: true }), 'mask', 0)).toBeNull();
    expect(labelCommand(key('f'), 'mask', 0)).toEqual({ field: 'gender', value: 1 });
    expect(labelCommand(key('s'), 'mask', 0)).toEqual({ field: 'age', value: 2 });
    expect(labelCommand(key('4'), 'mask', 0)).toBeNull();
    expect(labelCommand(key('m', { ctrlKey: true }), 'mask', 0)).toBeNull();
  });

  it('resolves single-label digits within the class count', () => {
    expect(labelCommand(key('0'), 'idx', 10)).toEqual({ field: 'label', value: 0 });
    expect(labelCommand(key('9'), 'idx', 10)).toEqual({ field: 'label', value: 9 });
    expect(labelCommand(key('3'), 'csv', 3)).toBeNull();
    expect(labelCommand(key('m'), 'csv', 3)).toBeNull();
  });

  it('resolves review keys', () => {
    expect(reviewCommand(key('v'))).toBe('verified');
    expect(reviewCommand(key('x'))).toBe('flagged');
    expect(reviewCommand(key('q'))).toBeNull();
  });

  it('resolves review-queue keys without clashing with relabel or global keys', () => {
    expect(queueCommand(key('Enter'))).toBe('accept');
    expect(queueCommand(key('k'))).toBe('keep');
    expect(queueCommand(key('j'))).toBe('next');
    expect(queueCommand(key('ArrowDown'))).toBe('next');
    expect(queueCommand(key('J', { shiftKey: true }))).toBe('previous');
    expect(queueCommand(key('ArrowUp'))).toBe('previous');
    expect(queueCommand(key('r'))).toBe('retrain');
    expect(queueCommand(key('p'))).toBe('open');
    expect(queueCommand(key('Enter', { ctrlKey: true }))).toBeNull();
    expect(queueCommand(key('z', { ctrlKey: true }))).toBeNull();
    expect(queueCommand(key('K', { shiftKey: true }))).toBeNull();
    for (const k of ['Enter', 'k', 'j', 'r', 'p']) {
      expect(labelCommand(key(k), 'mask', 0)).toBeNull();
      expect(labelCommand(key(k), 'idx', 10)).toBeNull();
      expect(globalCommand(key(k))).toBeNull();
    }
    // `A` stays "adult" in the review view too.
    expect(queueCommand(key('a'))).toBeNull();
    expect(labelCommand(key('a'), 'mask', 0)).toEqual({ field: 'age', value: 1 });
  });

  it('lists the review-queue keys', () => {
    const review = shortcutGroups('mask', []).find((g) => g.title === 'Review queue');
    const keys = review?.items.flatMap((i) => i.keys) ?? [];
    for (const k of ['Enter', 'K', 'J', '↓', 'Shift+J', '↑', 'R', 'P']) expect(keys).toContain(k);
  });

  it('lists the relabel keys of the dataset kind', () => {
    const mask = shortcutGroups('mask', []).flatMap((g) => g.items.flatMap((i) => i.keys));
    for (const k of ['1', '2', '3', 'M', 'F', 'Y', 'A', 'S', 'Ctrl+Z', '?']) expect(mask).toContain(k);
    const digits = shortcutGroups('idx', ['0', '1', '2']).flatMap((g) => g.items.flatMap((i) => i.keys));
    expect(digits).toContain('2');
    expect(digits).not.toContain('M');
  });

  it('resolves box keys, arrows only while a box is selected', () => {
    expect(boxCommand(key('ArrowLeft'), false)).toBeNull();
    expect(boxCommand(key('ArrowLeft'), true)).toEqual({ kind: 'move', dx: -1, dy: 0 });
    expect(boxCommand(key('ArrowDown', { shiftKey: true }), true)).toEqual({ kind: 'move', dx: 0, dy: 10 });
    expect(boxCommand(key('ArrowRight', { altKey: true }), true)).toEqual({ kind: 'resize', dw: 1, dh: 0 });
    expect(boxCommand(key('ArrowUp', { altKey: true, shiftKey: true }), true)).toEqual({
      kind: 'resize',
      dw: 0,
      dh: -10,
    });
    expect(boxCommand(key('ArrowLeft', { ctrlKey: true }), true)).toBeNull();
    expect(boxCommand(key('Delete'), true)).toEqual({ kind: 'delete' });
    expect(boxCommand(key('Backspace'), false)).toBeNull();
    expect(boxCommand(key('Escape'), true)).toBeNull();
    expect(boxCommand(key('b'), false)).toEqual({ kind: 'add' });
    expect(boxCommand(key('d'), true)).toEqual({ kind: 'draw' });
    expect(boxCommand(key('N', { shiftKey: true }), false)).toEqual({ kind: 'cycle', delta: -1 });
    expect(boxCommand(key('z', { ctrlKey: true }), true)).toBeNull();
  });

  it('keeps box keys apart from the relabel and review keys', () => {
    for (const k of ['b', 'd', 'n']) {
      expect(labelCommand(key(k), 'mask', 0)).toBeNull();
      expect(labelCommand(key(k), 'idx', 10)).toBeNull();
      expect(reviewCommand(key(k))).toBeNull();
    }
    for (const k of ['1', 'm', 'f', 'y', 'a', 's', 'v', 'x', 'u', 'p']) expect(boxCommand(key(k), true)).toBeNull();
    const listed = shortcutGroups('mask', []).find((g) => g.title.startsWith('Face boxes'));
    const keys = listed?.items.flatMap((i) => i.keys) ?? [];
    for (const k of ['D', 'B', 'N', 'Del', 'Alt+→', 'Esc']) expect(keys).toContain(k);
  });
});
