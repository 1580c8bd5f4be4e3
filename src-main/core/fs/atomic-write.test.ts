import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-write';

describe('atomic writes', () => {
  it('replace the file whole and sweep temp files a killed writer left, never the user’s own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-atomic-'));
    const target = join(dir, 'labels.csv');
    writeFileSync(join(dir, 'labels.csv.0123456789ab.tmp'), 'half a file');
    writeFileSync(join(dir, 'labels.csv.notes.tmp'), 'the user’s');
    writeFileSync(target, 'old');
    writeFileAtomicSync(target, 'new');
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual(['labels.csv', 'labels.csv.notes.tmp']);
    await writeFileAtomic(join(dir, 'sub', 'x.bin'), new Uint8Array([1, 2, 3]));
    expect([...readFileSync(join(dir, 'sub', 'x.bin'))]).toEqual([1, 2, 3]);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['x.bin']);
  });
});
