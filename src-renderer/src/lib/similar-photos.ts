// How a suspect's similar photos read: each photo's name for a screen reader, whether its label is the suggestion
// or the given one, and the strip's one-line summary. Pure, so it is tested without a DOM or a server.
import type { SimilarPhoto, Suspect } from '../../../src-main/shared/api-contract';
import { givenIndex } from './review-queue';

export type SimilarRelation = 'suggested' | 'given' | 'other';

/** Whether the photo is labelled as the suspect's suggestion, as its given label, or otherwise. */
export function similarRelation(photo: SimilarPhoto, suspect: Suspect): SimilarRelation {
  if (photo.value !== null && photo.value === suspect.suggestedValue) return 'suggested';
  if (photo.value !== null && photo.value === givenIndex(suspect)) return 'given';
  return 'other';
}

/** "Similar photo, person 000012_female_Asian_45, labelled female" (photos without a person: by file name). */
export function similarPhotoName(photo: SimilarPhoto): string {
  const whose = photo.subjectKey !== null ? `person ${photo.subjectKey}` : (photo.path.split('/').pop() ?? photo.path);
  return `Similar photo, ${whose}, ${photo.valueName === null ? 'unlabelled' : `labelled ${photo.valueName}`}`;
}

/** "5 of 8 labelled female (suggested), 2 male (given)": what the look-alikes say, in words. */
export function similarSummary(photos: readonly SimilarPhoto[], suspect: Suspect): string {
  const count = (relation: SimilarRelation): number =>
    photos.filter((photo) => similarRelation(photo, suspect) === relation).length;
  const parts = [`${count('suggested')} of ${photos.length} labelled ${suspect.suggested} (suggested)`];
  if (givenIndex(suspect) !== null) parts.push(`${count('given')} ${suspect.given} (given)`);
  return parts.join(', ');
}

/** The service's reason, as a sentence. */
export function unavailableText(reason: string): string {
  return `${reason.charAt(0).toUpperCase()}${reason.slice(1)}.`;
}
