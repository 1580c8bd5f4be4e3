// `loupe demo`: the welcome screen's demo dataset, drawn offline and imported, for trying Loupe from a terminal.
import { describe, expect, it } from 'vitest';
import { DEMO_DATASET } from '../core/datasets/synthetic-mask-dataset';
import { loupe, newDbPath } from './test-support/run-loupe';

describe('loupe demo', () => {
  it('draws the demo dataset and imports it into the store', async () => {
    const db = newDbPath('loupe-cli-demo-db-');
    const made = await loupe('demo', '--db', db, '--json');
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toEqual({
      images: DEMO_DATASET.persons * 7,
      subjects: DEMO_DATASET.persons,
      problems: [],
      dataset: 1,
    });
    const info = await loupe('info', '--db', db, '--json');
    expect(JSON.parse(info.stdout)).toMatchObject({
      name: 'demo-mask-dataset',
      kind: 'mask',
      subjects: DEMO_DATASET.persons,
    });
  }, 120_000);
});
