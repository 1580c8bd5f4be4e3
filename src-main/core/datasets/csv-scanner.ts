// A label CSV: `path,label`, optionally `group` (the person or subject an image belongs to) and a box as
// `x,y,w,h` or `x1,y1,x2,y2` (read by box-csv-columns.ts, shared with the box import). Paths are relative to
// the folder holding the CSV. With box columns, several rows may name one image (one row per box); without them a
// repeated path is a problem.
import { realpath } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { ImportProblem } from '../../shared/api-contract';
import { runPool } from '../jobs/run-pool';
import { findBoxColumns, readBoxCells } from './box-csv-columns';
import { findColumns, readCsvTable, requireColumns } from './csv-table';
import { naturalCompare } from './natural-order';
import { checkImageFile, checkWrittenPath } from './safe-paths';
import type { ScanOptions, ScannedBox, ScannedDataset, ScannedImage, ScannedSubject } from './scanned-dataset';

const FILE_CONCURRENCY = 32;

interface Entry {
  relPath: string;
  label: string;
  group: string | null;
  boxes: ScannedBox[];
  line: number;
  rows: number[];
}

export async function scanCsv(source: string, opts: ScanOptions): Promise<ScannedDataset> {
  const csvPath = resolve(source);
  const fileName = basename(csvPath);
  const root = await realpath(dirname(csvPath));
  opts.onProgress?.(0, 0, `reading ${fileName}`);
  const table = await readCsvTable(csvPath, fileName);
  const col = requireColumns(table.columns, ['path', 'label'], fileName);
  const group = findColumns(table.columns, ['group']).group;
  const boxColumns = findBoxColumns(table.columns, fileName);
  const hasBoxes = boxColumns !== null;

  const problems: ImportProblem[] = table.malformed.map(({ line, reason }) => ({
    path: `${fileName}:${line}`,
    reason,
  }));
  const rowProblem = (line: number, reason: string) => problems.push({ path: `${fileName}:${line}`, reason });
  const entries = new Map<string, Entry>();
  for (const { row, line, fields } of table.records) {
    opts.signal?.throwIfAborted();
    if (fields.length !== table.columns.length) {
      rowProblem(line, `row has ${fields.length} fields but the header has ${table.columns.length}`);
      continue;
    }
    const cell = (index: number) => fields[index] ?? '';
    const path = checkWrittenPath(cell(col.path));
    if (!path.ok) {
      rowProblem(line, path.reason);
      continue;
    }
    const label = cell(col.label).trim();
    if (label === '') {
      rowProblem(line, 'empty label');
      continue;
    }
    const parsedBox = boxColumns ? readBoxCells(boxColumns, cell) : null;
    if (typeof parsedBox === 'string') rowProblem(line, `${parsedBox}; image kept without this box`);
    const boxes = parsedBox && typeof parsedBox !== 'string' ? [parsedBox] : [];

    const known = entries.get(path.relPath);
    if (known === undefined) {
      const groupValue = group === undefined ? '' : cell(group).trim();
      entries.set(path.relPath, { relPath: path.relPath, label, group: groupValue || null, boxes, line, rows: [row] });
    } else if (!hasBoxes) {
      rowProblem(line, `duplicate path "${path.relPath}" (first on line ${known.line})`);
    } else if (known.label !== label) {
      rowProblem(line, `label "${label}" conflicts with "${known.label}" for the same image on line ${known.line}`);
    } else {
      known.boxes.push(...boxes);
      known.rows.push(row);
    }
  }

  const candidates = [...entries.values()];
  const fileProblems: (ImportProblem | null)[] = [];
  let done = 0;
  await runPool(candidates, FILE_CONCURRENCY, opts.signal, async (entry, i) => {
    fileProblems[i] = await checkImageFile(root, entry.relPath);
    opts.onProgress?.(++done, candidates.length, 'checking image files');
  });
  problems.push(...fileProblems.filter((problem) => problem !== null));
  const kept = candidates.filter((_, i) => fileProblems[i] === null);

  const labelNames = [...new Set(kept.map((entry) => entry.label))].sort(naturalCompare);
  const labelIndex = new Map(labelNames.map((name, i) => [name, i]));
  const subjects = new Map<string, ScannedSubject>();
  const images: ScannedImage[] = kept.map((entry) => {
    if (entry.group !== null && !subjects.has(entry.group)) {
      subjects.set(entry.group, {
        key: entry.group,
        externalId: null,
        gender: null,
        age: null,
        attributes: {},
        sourceRow: entry.rows[0] ?? null,
      });
    }
    for (const row of entry.rows) {
      const sourceRow = table.sourceTable.rows[row];
      if (sourceRow) sourceRow.subjectKey = entry.group;
    }
    return {
      relPath: entry.relPath,
      subjectKey: entry.group,
      slot: null,
      mask: null,
      label: labelIndex.get(entry.label) ?? null,
      boxes: entry.boxes,
    };
  });

  return {
    kind: 'csv',
    root,
    source: csvPath,
    name: basename(fileName, '.csv'),
    labelNames,
    subjects: [...subjects.values()],
    images,
    problems,
    readsBoxes: hasBoxes,
    sourceTable: table.sourceTable,
  };
}
