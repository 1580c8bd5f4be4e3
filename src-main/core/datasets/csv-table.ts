// Reads a label CSV into records for the scanners and a SourceTable for export. Records are split here rather
// than by csv-parse's streaming mode so that each row's raw text and first line number are exact, and so that
// one badly quoted row costs that row only instead of swallowing the rest of the file.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { SourceTable } from './scanned-dataset';

export interface CsvRecord {
  /** Index into `sourceTable.rows`. */
  row: number;
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

export interface CsvTable {
  sourceTable: SourceTable;
  /** Header cells as written. */
  columns: string[];
  records: CsvRecord[];
  /** Rows that could not be read as CSV; blank rows are in `sourceTable` but neither here nor in `records`. */
  malformed: { row: number; line: number; reason: string }[];
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Reads `absPath`; throws if its header line is not UTF-8 text or it has no header. A row holding bytes that are
 * not UTF-8 (one name typed in Latin-1, say) is malformed, and the rest of the file is read. `fileName` names it
 * in messages.
 */
export async function readCsvTable(absPath: string, fileName: string): Promise<CsvTable> {
  const bytes = await readFile(absPath);
  const bom = UTF8_BOM.every((byte, i) => bytes[i] === byte);
  // Decoding drops the BOM; `bom` remembers it so export can write it back.
  const { text, badLines } = decodeUtf8Lines(bytes);
  const [headerLine, ...lines] = splitRecords(text);
  if (headerLine === undefined || headerLine.raw.trim() === '') {
    throw new Error(`${fileName} has no header line`);
  }
  if (spansBadLine(headerLine, badLines)) {
    throw new Error(`${fileName} is not UTF-8 text; save it as UTF-8 and import again`);
  }
  const header = parseFields(headerLine.raw);
  if (typeof header === 'string') throw new Error(`${fileName}: cannot read the header line (${header})`);

  const firstBreak = text.indexOf('\n');
  const sourceTable: SourceTable = {
    fileName,
    header: headerLine.raw,
    newline: firstBreak > 0 && text[firstBreak - 1] === '\r' ? '\r\n' : '\n',
    finalNewline: text.endsWith('\n'),
    bom,
    rows: [],
  };
  const records: CsvRecord[] = [];
  const malformed: CsvTable['malformed'] = [];
  for (const { raw, line, unclosedQuote } of lines) {
    const row = sourceTable.rows.length;
    sourceTable.rows.push({ index: row, raw, subjectKey: null });
    if (raw.trim() === '') continue;
    if (spansBadLine({ raw, line }, badLines)) {
      malformed.push({ row, line, reason: 'row contains bytes that are not UTF-8' });
      continue;
    }
    const fields = unclosedQuote ? 'quote never closed' : parseFields(raw);
    if (typeof fields === 'string') malformed.push({ row, line, reason: `malformed CSV row: ${fields}` });
    else records.push({ row, line, fields });
  }
  return { sourceTable, columns: header, records, malformed };
}

/**
 * Finds each named column (case-insensitive, surrounding spaces ignored) and throws naming every one that is
 * missing: without them no row can be read.
 */
export function requireColumns<N extends string>(
  columns: readonly string[],
  names: readonly N[],
  fileName: string,
): Record<N, number> {
  const found = findColumns(columns, names);
  const missing = names.filter((name) => found[name] === undefined);
  if (missing.length > 0) {
    const list = missing.map((name) => `"${name}"`).join(', ');
    throw new Error(`${fileName} has no ${list} column${missing.length > 1 ? 's' : ''} (found: ${columns.join(', ')})`);
  }
  return found as Record<N, number>;
}

export function findColumns<N extends string>(
  columns: readonly string[],
  names: readonly N[],
): Partial<Record<N, number>> {
  const normalized = columns.map((column) => column.trim().toLowerCase());
  const found: Partial<Record<N, number>> = {};
  for (const name of names) {
    const index = normalized.indexOf(name.toLowerCase());
    if (index >= 0) found[name] = index;
  }
  return found;
}

/**
 * The file as text, and the 1-based numbers of the lines that are not valid UTF-8. Those lines are decoded with
 * U+FFFD in place of the bad bytes: their rows become problems, but `sourceTable` keeps a row for each so export
 * writes every row back in its place (the bad bytes themselves cannot survive a trip through text).
 */
function decodeUtf8Lines(bytes: Buffer): { text: string; badLines: Set<number> } {
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    return { text: strict.decode(bytes), badLines: new Set() };
  } catch {
    // Fall through: decode line by line. A line feed byte never occurs inside a UTF-8 sequence.
  }
  const lenient = new TextDecoder('utf-8');
  const badLines = new Set<number>();
  const parts: string[] = [];
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const end = bytes.indexOf(0x0a, start);
    const slice = bytes.subarray(start, end === -1 ? bytes.length : end);
    try {
      parts.push(strict.decode(slice));
    } catch {
      badLines.add(line);
      parts.push(lenient.decode(slice));
    }
    if (end === -1) break;
    start = end + 1;
  }
  return { text: parts.join('\n'), badLines };
}

function spansBadLine(record: { raw: string; line: number }, badLines: ReadonlySet<number>): boolean {
  if (badLines.size === 0) return false;
  const last = record.line + (record.raw.match(/\n/g)?.length ?? 0);
  for (let line = record.line; line <= last; line++) if (badLines.has(line)) return true;
  return false;
}

interface RawRecord {
  /** Record text without its line ending. */
  raw: string;
  line: number;
  unclosedQuote: boolean;
}

/** Splits at line feeds outside quotes; a trailing carriage return belongs to the line ending, not the row. */
function splitRecords(text: string): RawRecord[] {
  const records: RawRecord[] = [];
  let start = 0;
  let line = 1;
  while (start < text.length) {
    let end = start;
    let inQuotes = false;
    let breaks = 0;
    for (; end < text.length; end++) {
      const char = text[end];
      if (char === '"') inQuotes = !inQuotes;
      else if (char === '\n') {
        if (!inQuotes) break;
        breaks++;
      }
    }
    if (inQuotes) {
      // A quote never closed: lose its first line only and read the rest of the file normally.
      const lineEnd = text.indexOf('\n', start);
      end = lineEnd === -1 ? text.length : lineEnd;
      breaks = 0;
    }
    records.push({ raw: text.slice(start, end).replace(/\r$/, ''), line, unclosedQuote: inQuotes });
    start = end + 1;
    line += breaks + 1;
  }
  return records;
}

/** The cells of one record, or why it cannot be read. Unquoted rows (nearly all) skip the CSV parser. */
function parseFields(raw: string): string[] | string {
  if (!raw.includes('"')) return raw.split(',');
  try {
    const records: string[][] = parse(raw, { relax_column_count: true });
    const [fields, extra] = records;
    return fields && extra === undefined ? fields : 'more than one record on the line';
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === 'CSV_INVALID_CLOSING_QUOTE' ? 'text after a closing quote' : 'invalid quoting';
  }
}
