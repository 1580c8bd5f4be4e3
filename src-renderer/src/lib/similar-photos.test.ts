import { describe, expect, it } from 'vitest';
import type { SimilarPhoto, Suspect } from '../../../src-main/shared/api-contract';
import { similarPhotoName, similarRelation, similarSummary, unavailableText } from './similar-photos';

const suspect = {
  key: 'subject:4:gender',
  kind: 'person-gender',
  level: 'subject',
  field: 'gender',
  path: '000004_male_Asian_30',
  subject: '000004_male_Asian_30',
  subjectId: 4,
  imageIds: [1, 2],
  given: 'male',
  suggested: 'female',
  suggestedValue: 1,
  score: 0.9,
  tier: 1,
  evidence: { classNames: ['male', 'female'], probs: [0.1, 0.9], age: 30 },
} satisfies Suspect;

const photo = (value: number | null, subjectKey: string | null = '000012_female_Asian_45'): SimilarPhoto => ({
  imageId: 40,
  path: 'images/000012_female_Asian_45/mask1.jpg',
  subjectId: subjectKey === null ? null : 12,
  subjectKey,
  similarity: 0.8,
  value,
  valueName: value === null ? null : (['male', 'female'][value] ?? null),
});

describe('similar photos in words', () => {
  it('tells a look-alike labelled as the suggestion from one labelled as given', () => {
    expect(similarRelation(photo(1), suspect)).toBe('suggested');
    expect(similarRelation(photo(0), suspect)).toBe('given');
    expect(similarRelation(photo(null), suspect)).toBe('other');
    expect(
      similarRelation(photo(2), { ...suspect, evidence: { ...suspect.evidence, classNames: ['a', 'b', 'c'] } }),
    ).toBe('other');
  });

  it('names each photo by its person and label', () => {
    expect(similarPhotoName(photo(1))).toBe('Similar photo, person 000012_female_Asian_45, labelled female');
    expect(similarPhotoName(photo(null, null))).toBe('Similar photo, mask1.jpg, unlabelled');
  });

  it('sums up what the look-alikes are labelled', () => {
    expect(similarSummary([photo(1), photo(1), photo(0), photo(null)], suspect)).toBe(
      '2 of 4 labelled female (suggested), 1 male (given)',
    );
    expect(unavailableText('no feature vectors for this run: x')).toBe('No feature vectors for this run: x.');
  });
});
