import type { DatasetSummary } from '../shared/api-contract';
import { parseFieldValue, type LabelField } from '../shared/label-schema';
import { ApiFailure } from '../core/api-failure';

/** `field=value` from the command line, checked against the dataset's fields and values. */
export function parseAssignment(text: string, dataset: DatasetSummary): { field: LabelField; value: number } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ApiFailure('invalid-argument', `--set takes field=value, not "${text}"`);
  const field = text.slice(0, eq).trim() as LabelField;
  if (!dataset.fields.includes(field)) {
    throw new ApiFailure('invalid-argument', `field "${field}" does not exist here; use one of ${dataset.fields.join(', ')}`);
  }
  const parsed = parseFieldValue(field, text.slice(eq + 1), dataset.labelNames);
  if ('error' in parsed) throw new ApiFailure('invalid-argument', parsed.error);
  return { field, value: parsed.value };
}
