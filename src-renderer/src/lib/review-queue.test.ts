import { describe, expect, it } from 'vitest';
import type { Suspect } from '../../../src-main/shared/api-contract';
import {
  borderlineAge,
  changeText,
  countsTotal,
  nothingToDecide,
  evidenceRows,
  pageOffset,
  progressText,
  relabelOutcome,
  settledText,
  settleIndex,
  suspectTitle,
} from './review-queue';

function suspect(over: Partial<Suspect> = {}): Suspect {
  return {
    key: 'subject:4:gender',
    kind: 'person-gender',
    level: 'subject',
    field: 'gender',
    path: '000004_male_Asian_33',
    subject: '000004_male_Asian_33',
    subjectId: 4,
    imageIds: [22, 23],
    given: 'male',
    suggested: 'female',
    suggestedValue: 1,
    score: 0.9,
    tier: 1,
    evidence: { classNames: ['male', 'female'], probs: [0.1, 0.9], age: 33 },
    ...over,
  };
}

describe('review progress', () => {
  it('reads n of m', () => {
    expect(progressText(2, 10)).toBe('2 of 10 reviewed');
  });

  it('adds up kind counts', () => {
    expect(countsTotal({ 'image-label': 3, 'person-gender': 1, 'person-age': 0, swap: 2 })).toBe(6);
  });

  it('tells the reviewer why a key did nothing', () => {
    expect(nothingToDecide('accept', 'loading')).toBe('The queue is still loading: accept not done');
    expect(nothingToDecide('keep', 'ready')).toBe('No suspect is shown: keep not done');
  });

  it('names the suspects a decision also settled', () => {
    expect(settledText([])).toBeNull();
    expect(
      settledText([
        { key: 'image:9:mask', kind: 'image-label', path: 'images/p/normal.jpg', field: 'mask' },
        { key: 'subject:2:swap', kind: 'swap', path: 'p', field: 'mask' },
        { key: 'subject:2:age', kind: 'person-age', path: 'p', field: 'age' },
      ]),
    ).toBe('Also settled: mask of images/p/normal.jpg, the swap suspect of person p, age of person p');
  });
});

describe('queue position', () => {
  it('pages by index', () => {
    expect(pageOffset(0, 50)).toBe(0);
    expect(pageOffset(49, 50)).toBe(0);
    expect(pageOffset(50, 50)).toBe(50);
    expect(pageOffset(-3, 50)).toBe(0);
  });

  it('moves to the next suspect when the current one drops out', () => {
    expect(
      settleIndex({ index: 2, total: 9, offset: 0, keys: ['a', 'b', 'd', 'e'], currentKey: 'c', undoneKey: null }),
    ).toBe(2);
  });

  it('keeps the current suspect when others move around it', () => {
    expect(
      settleIndex({ index: 52, total: 90, offset: 50, keys: ['p', 'c', 'q'], currentKey: 'c', undoneKey: null }),
    ).toBe(51);
  });

  it('brings an undone suspect back as current', () => {
    expect(
      settleIndex({ index: 3, total: 10, offset: 0, keys: ['a', 'u', 'b', 'c'], currentKey: 'c', undoneKey: 'u' }),
    ).toBe(1);
  });

  it('clamps to the end of a shrunken queue', () => {
    expect(settleIndex({ index: 7, total: 5, offset: 0, keys: [], currentKey: 'z', undoneKey: null })).toBe(4);
    expect(settleIndex({ index: 7, total: 0, offset: 0, keys: [], currentKey: null, undoneKey: null })).toBe(0);
  });
});

describe('suspect reading', () => {
  it('maps a picked value to accept, keep or relabel', () => {
    const s = suspect();
    expect(relabelOutcome(s, 1)).toBe('accept');
    expect(relabelOutcome(s, 0)).toBe('keep');
    const age = suspect({
      kind: 'person-age',
      field: 'age',
      given: '30-59',
      suggested: '<30',
      suggestedValue: 0,
      evidence: { classNames: ['<30', '30-59', '>=60'], probs: [0.7, 0.2, 0.1], age: 31 },
    });
    expect(relabelOutcome(age, 2)).toBe('relabel');
    expect(relabelOutcome(age, 1)).toBe('keep');
  });

  it('marks the given and suggested values in the evidence', () => {
    expect(evidenceRows(suspect())).toEqual([
      { name: 'male', prob: 0.1, given: true, suggested: false },
      { name: 'female', prob: 0.9, given: false, suggested: true },
    ]);
    expect(
      evidenceRows(suspect({ kind: 'swap', evidence: { classNames: ['a', 'b', 'c'], probs: [], age: 40 } })),
    ).toEqual([]);
  });

  it('calls ages near 30 and 60 borderline', () => {
    expect(borderlineAge(29)).toBe(true);
    expect(borderlineAge(30)).toBe(true);
    expect(borderlineAge(59)).toBe(true);
    expect(borderlineAge(61)).toBe(true);
    expect(borderlineAge(45)).toBe(false);
    expect(borderlineAge(18)).toBe(false);
    expect(borderlineAge(null)).toBe(false);
  });

  it('reads a swap as the exchange it proposes', () => {
    expect(changeText(suspect())).toBe('male → female');
    expect(changeText(suspect({ kind: 'swap' }))).toBe('incorrect_mask ↔ normal');
  });

  it('titles a suspect by what it doubts', () => {
    expect(suspectTitle(suspect())).toBe('Gender of person 000004_male_Asian_33');
    expect(suspectTitle(suspect({ kind: 'swap' }))).toBe('Swapped photos of person 000004_male_Asian_33');
    expect(suspectTitle(suspect({ kind: 'image-label', field: 'mask', path: 'images/1/normal.jpg' }))).toBe(
      'Mask of images/1/normal.jpg',
    );
  });
});
