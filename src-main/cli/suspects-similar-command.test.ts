import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeMaskDataset } from '../core/datasets/synthetic-mask-dataset';
import { loupe } from './test-support/run-loupe';

let db: string;

beforeAll(async () => {
  const source = mkdtempSync(join(tmpdir(), 'loupe-cli-similar-src-'));
  await makeMaskDataset(source, { persons: 6, seed: 9, width: 64, height: 80 });
  db = join(mkdtempSync(join(tmpdir(), 'loupe-cli-similar-db-')), 'loupe.db');
  expect((await loupe('import', source, '--db', db)).code).toBe(0);
  const trained = await loupe('train', '--db', db, '--folds', '2', '--epochs', '1');
  expect(trained.code, trained.stderr).toBe(0);
}, 180_000);

interface SimilarJson {
  source: string | null;
  unavailable: string | null;
  photos: { path: string; subject: string | null; label: string | null; similarity: number }[];
}

describe('loupe suspects --similar', () => {
  it("lists each suspect's most similar photos of other persons, with their labels", async () => {
    const out = await loupe('suspects', '--db', db, '--json', '--top', '5', '--similar', '3');
    expect(out.code, out.stderr).toBe(0);
    const suspects = (
      JSON.parse(out.stdout) as { suspects: { subject: string; kind?: string; similar: SimilarJson }[] }
    ).suspects;
    expect(suspects.length).toBeGreaterThan(0);
    for (const s of suspects) {
      expect(s.similar).toBeDefined();
      if (s.similar.unavailable) {
        // Only a swap is judged without neighbours.
        expect(s.similar.unavailable).toMatch(/swap/);
        continue;
      }
      expect(s.similar.source).toBe('quick-features');
      expect(s.similar.photos).toHaveLength(3);
      for (const p of s.similar.photos) {
        expect(p.subject).not.toBe(s.subject);
        expect(p.label).toEqual(expect.any(String));
        expect(p.similarity).toBeLessThanOrEqual(1);
      }
    }
    // Without the flag the JSON is as it was.
    const plain = await loupe('suspects', '--db', db, '--json', '--top', '5');
    expect((JSON.parse(plain.stdout) as { suspects: object[] }).suspects[0]).not.toHaveProperty('similar');
    const text = await loupe('suspects', '--db', db, '--top', '2', '--similar');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/\n {7}similar: /);
  }, 120_000);
});
