import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAbsoluteOrHomePath } from '../../shared/absolute-path';
import { apiArgSchemas } from '../../shared/api-contract';
import { dispatch } from '../api-dispatch';
import { expandUserPath } from './user-path';
import type { LoupeApi } from '../../shared/api-contract';

describe('paths from the UI', () => {
  it('are absolute on any platform, or start with ~', () => {
    for (const ok of ['/data/mask', 'C:\\data\\mask', 'c:/data', '\\\\server\\share\\x', '~', '~/data', '~\\data']) {
      expect(isAbsoluteOrHomePath(ok), ok).toBe(true);
    }
    for (const bad of ['data/mask', './mask', '../mask', 'mask', 'C:data', '~user/data', '']) {
      expect(isAbsoluteOrHomePath(bad), bad).toBe(false);
    }
  });

  it('a relative one is refused at the door with a message that says what to type', async () => {
    const called: string[] = [];
    const api = new Proxy({} as LoupeApi, {
      get: (_t, method: string) => () => {
        called.push(method);
        return Promise.resolve(null);
      },
    });
    const cases: [string, Record<string, unknown>][] = [
      ['datasets.import', { path: 'data/mask' }],
      ['export.run', { datasetId: 1, outDir: 'out' }],
      ['review.exportImageList', { datasetId: 1, outPath: 'images.csv' }],
      ['review.importPredictions', { datasetId: 1, path: 'probs.npy' }],
      ['boxes.import', { datasetId: 1, path: 'boxes.csv' }],
    ];
    for (const [method, args] of cases) {
      const result = await dispatch(api, method, args);
      expect(result, method).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
      expect(!result.ok && result.error.message, method).toMatch(/must be an absolute path \(like \/data\/mask/);
    }
    expect(called).toEqual([]);
    expect(apiArgSchemas['export.run'].safeParse({ datasetId: 1, outDir: '~/out' }).success).toBe(true);
  });

  it('core expands ~ to the home folder; the CLI keeps relative paths relative to its working directory', () => {
    expect(expandUserPath('~', '/home/u')).toBe('/home/u');
    expect(expandUserPath('~/data/mask', '/home/u')).toBe(join('/home/u', 'data/mask'));
    expect(expandUserPath('~\\data', '/home/u')).toBe(join('/home/u', 'data'));
    expect(expandUserPath('~/x')).toBe(join(homedir(), 'x'));
    expect(expandUserPath('out')).toBe(resolve('out'));
    expect(expandUserPath('/abs/x')).toBe(resolve('/abs/x'));
  });
});
