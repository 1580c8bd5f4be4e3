// Draws a synthetic competition-layout dataset (train.csv + images/) for trying Loupe or benchmarking it.
// Usage: npx tsx scripts/make-mask-dataset.ts <dir> [persons=100] [--plant]
import { makeMaskDataset } from '../e2e/fixtures/make-mask-dataset';

const [dir, persons = '100', flag] = process.argv.slice(2);
if (!dir) {
  console.error('usage: tsx scripts/make-mask-dataset.ts <dir> [persons] [--plant]');
  process.exit(2);
}
const n = Number(persons);
makeMaskDataset(dir, {
  persons: n,
  seed: 1,
  extVariety: true,
  ...(flag === '--plant' ? { plant: { genderFlips: Math.max(1, Math.round(n * 0.02)), maskSwaps: Math.max(1, Math.round(n * 0.01)) } } : {}),
}).then(
  (made) => console.log(JSON.stringify({ dir, persons: made.persons.length, images: made.images, planted: made.planted })),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
