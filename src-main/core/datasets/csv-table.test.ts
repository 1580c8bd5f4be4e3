import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvTable, requireColumns } from './csv-table';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-table-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tableOf(text: string | Buffer) {
  await writeFile(join(dir, 't.csv'), text);
  return readCsvTable(join(dir, 't.csv'), 't.csv');
}

describe('readCsvTable', () => {
  it('keeps raw rows, line numbers, quoted line breaks and blank rows', async () => {
    const table = await tableOf('\uFEFFa,b\r\n1,"x\r\ny"\r\n\r\n2,"say ""hi"", then"\r\n3,z');
    expect(table.columns).toEqual(['a', 'b']);
    expect(table.sourceTable).toMatchObject({ header: 'a,b', newline: '\r\n', bom: true, finalNewline: false });
    expect(table.sourceTable.rows.map((row) => row.raw)).toEqual(['1,"x\r\ny"', '', '2,"say ""hi"", then"', '3,z']);
    expect(table.records).toEqual([
      { row: 0, line: 2, fields: ['1', 'x\r\ny'] },
      { row: 2, line: 5, fields: ['2', 'say "hi", then'] },
      { row: 3, line: 6, fields: ['3', 'z'] },
    ]);
    expect(table.malformed).toEqual([]);
  });

  it('loses only the rows with broken quoting', async () => {
    const table = await tableOf('a,b\n1,"open\n2,"shut"x\n3,ok\n');
    expect(table.malformed).toEqual([
      { row: 0, line: 2, reason: 'malformed CSV row: quote never closed' },
      { row: 1, line: 3, reason: 'malformed CSV row: text after a closing quote' },
    ]);
    expect(table.records).toEqual([{ row: 2, line: 4, fields: ['3', 'ok'] }]);
    expect(table.sourceTable.finalNewline).toBe(true);
  });

  it('loses only the rows holding bytes that are not UTF-8', async () => {
    const latin1 = Buffer.from('Jos\xe9', 'latin1');
    const table = await tableOf(
      Buffer.concat([Buffer.from('a,b\r\n1,"two\r\n'), latin1, Buffer.from('"\r\n2,ok\r\n'), latin1, Buffer.from(',3\r\n4,é\r\n')]),
    );
    expect(table.malformed).toEqual([
      { row: 0, line: 2, reason: 'row contains bytes that are not UTF-8' },
      { row: 2, line: 5, reason: 'row contains bytes that are not UTF-8' },
    ]);
    expect(table.records).toEqual([
      { row: 1, line: 4, fields: ['2', 'ok'] },
      { row: 3, line: 6, fields: ['4', 'é'] },
    ]);
    // Every row keeps its place for export; the bad bytes come back as U+FFFD.
    expect(table.sourceTable.rows.map((row) => row.raw)).toEqual(['1,"two\r\nJos\uFFFD"', '2,ok', 'Jos\uFFFD,3', '4,é']);
    expect(table.sourceTable).toMatchObject({ newline: '\r\n', finalNewline: true });
  });

  it('refuses a header that is not UTF-8, and a missing header', async () => {
    await expect(tableOf(Buffer.from([0x61, 0xe9, 0x2c, 0x62, 0x0a, 0x31, 0x0a]))).rejects.toThrow(
      't.csv is not UTF-8 text',
    );
    await expect(tableOf('')).rejects.toThrow('t.csv has no header line');
  });
});

describe('requireColumns', () => {
  it('matches names ignoring case and spaces', () => {
    expect(requireColumns([' Path', 'LABEL'], ['path', 'label'], 'x.csv')).toEqual({ path: 0, label: 1 });
    expect(() => requireColumns(['path'], ['path', 'label'], 'x.csv')).toThrow(
      'x.csv has no "label" column (found: path)',
    );
  });
});
