import { describe, expect, it } from 'vitest';
import { MASK_CLASS_NAMES } from '../../../src-main/shared/label-schema';
import {
  ageText,
  basename,
  datasetCounts,
  changeText,
  compactLabelText,
  formatCount,
  imageLabelText,
  personShortName,
} from './labels';

describe('labels', () => {
  it('formats counts the way the header shows them', () => {
    expect(formatCount(18_900)).toBe('18,900');
  });

  it('joins the dataset counts', () => {
    expect(datasetCounts({ images: 18_900, subjects: 2_700, problems: 1 })).toBe(
      '18,900 images · 2,700 persons · 1 problem',
    );
    expect(datasetCounts({ images: 30, subjects: 0 })).toBe('30 images');
  });

  it('shows numeric age with its group', () => {
    expect(ageText(45, 1)).toBe('45 (30-59)');
    expect(ageText(null, 2)).toBe('>=60');
    expect(ageText(61, null)).toBe('61 (>=60)');
  });

  it('names an image by its class or its label', () => {
    const row = { classIndex: 4, label: null, mask: 0, gender: 1, ageGroup: 1 };
    expect(imageLabelText(row, { kind: 'mask', classNames: [...MASK_CLASS_NAMES], labelNames: [] })).toBe(
      'wear/female/30-59',
    );
    expect(
      imageLabelText(
        { classIndex: null, label: 2, mask: null, gender: null, ageGroup: null },
        { kind: 'csv', classNames: ['cat', 'dog', 'fox'], labelNames: ['cat', 'dog', 'fox'] },
      ),
    ).toBe('fox');
  });

  it('shortens the class for tiles', () => {
    const row = { classIndex: 10, label: null, mask: 1, gender: 1, ageGroup: 1 };
    expect(compactLabelText(row, { kind: 'mask', classNames: [...MASK_CLASS_NAMES], labelNames: [] })).toBe(
      'incorrect · F · 30-59',
    );
  });

  it('describes history changes', () => {
    expect(
      changeText({ entity: 'subject', entityId: 1, entityKey: '000001', field: 'age', oldValue: 45, newValue: 60 }, []),
    ).toBe('000001 · age: 45 (30-59) → 60 (>=60)');
    expect(
      changeText(
        { entity: 'image', entityId: 3, entityKey: 'a/mask1.jpg', field: 'mask', oldValue: 0, newValue: 1 },
        [],
      ),
    ).toBe('a/mask1.jpg · mask: wear → incorrect');
  });

  it('takes the last path segment', () => {
    expect(basename('images/000001_female_Asian_45/mask1.jpg')).toBe('mask1.jpg');
    expect(basename('a\\b.png')).toBe('b.png');
  });

  it("names a person by the competition's id, or by the whole key elsewhere", () => {
    expect(personShortName('000001_female_Asian_45')).toBe('000001');
    expect(personShortName('patient-7')).toBe('patient-7');
  });
});
