import type { DatasetOverview } from '../../../src-main/shared/api-contract';

type AgeRow = DatasetOverview['ages'][number];

/** Ages from youngest to oldest with the missing years filled with zeros, so the bars read as a histogram. */
export function ageHistogram(rows: readonly AgeRow[]): AgeRow[] {
  if (rows.length === 0) return [];
  const byAge = new Map(rows.map((row) => [row.age, row]));
  const ages = rows.map((row) => row.age);
  const min = Math.min(...ages);
  const max = Math.max(...ages);
  const filled: AgeRow[] = [];
  for (let age = min; age <= max; age++) filled.push(byAge.get(age) ?? { age, male: 0, female: 0 });
  return filled;
}
