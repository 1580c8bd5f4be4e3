// The mask-competition layout: train.csv with one row per person, and images/<path>/ holding that person's
// seven photos, one per slot. People are keyed by `path`, never by `id`: the real file reuses an id for two
// different people.
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { ImportProblem } from '../../shared/api-contract';
import { MASK_SLOTS, maskForSlot, type MaskSlot } from '../../shared/label-schema';
import { runPool } from '../jobs/run-pool';
import { readCsvTable, requireColumns } from './csv-table';
import { checkWrittenPath, listImageFiles, resolveInside } from './safe-paths';
import type { ScanOptions, ScannedDataset, ScannedImage, ScannedSubject, SourceTable } from './scanned-dataset';

const CSV_NAME = 'train.csv';
const REQUIRED_COLUMNS = ['id', 'gender', 'age', 'path'] as const;
const GENDERS: Record<string, number> = { male: 0, female: 1 };
/** Person folders are listed a few at a time: enough to hide disk latency, few enough to spare file handles. */
const FOLDER_CONCURRENCY = 16;
const SLOT_LIST = 'mask1–mask5, incorrect_mask, normal';

interface Person {
  subject: ScannedSubject;
  folder: string;
  row: number;
}

/**
 * `source` is the dataset folder (or its train.csv). Rows whose path is unusable, duplicated or has no folder
 * become problems and no subject; a bad gender or age becomes a problem and a null value on a kept subject, so
 * the reviewer can fix it in Loupe. Of two files for one slot the first by name is kept.
 */
export async function scanMaskLayout(source: string, opts: ScanOptions): Promise<ScannedDataset> {
  const folder = (await stat(source)).isFile() ? dirname(source) : source;
  const root = await realpath(folder);
  const images = await resolveInside(root, 'images');
  if (images.status !== 'ok' || !images.stats.isDirectory()) {
    throw new Error(`${root} has no images/ folder (the competition layout keeps each person's photos there)`);
  }
  opts.onProgress?.(0, 0, `reading ${CSV_NAME}`);
  const table = await readCsvTable(join(root, CSV_NAME), CSV_NAME);
  const col = requireColumns(table.columns, REQUIRED_COLUMNS, CSV_NAME);
  const attributeColumns = table.columns
    .map((name, index) => ({ name: name.trim(), index }))
    .filter(({ index }) => !Object.values<number>(col).includes(index));

  const problems: ImportProblem[] = table.malformed.map(({ line, reason }) => rowProblem(line, reason));
  const people: Person[] = [];
  const lineOfPath = new Map<string, number>();
  for (const { row, line, fields } of table.records) {
    opts.signal?.throwIfAborted();
    if (fields.length !== table.columns.length) {
      problems.push(rowProblem(line, `row has ${fields.length} fields but the header has ${table.columns.length}`));
      continue;
    }
    const cell = (index: number) => fields[index] ?? '';
    const path = checkWrittenPath(cell(col.path));
    if (!path.ok) {
      problems.push(rowProblem(line, path.reason === 'empty path' ? 'no value in the "path" column' : path.reason));
      continue;
    }
    const firstLine = lineOfPath.get(path.relPath);
    if (firstLine !== undefined) {
      problems.push(rowProblem(line, `duplicate path "${path.relPath}" (first on line ${firstLine})`));
      continue;
    }
    lineOfPath.set(path.relPath, line);

    const genderText = cell(col.gender).trim();
    const gender = GENDERS[genderText.toLowerCase()] ?? null;
    if (gender === null) problems.push(rowProblem(line, `unknown gender "${genderText}" (expected male or female)`));
    const age = parseAge(cell(col.age));
    if (typeof age === 'string') problems.push(rowProblem(line, age));
    const id = cell(col.id).trim();
    people.push({
      row,
      folder: `images/${path.relPath}`,
      subject: {
        key: path.relPath,
        externalId: id === '' ? null : id,
        gender,
        age: typeof age === 'number' ? age : null,
        attributes: Object.fromEntries(attributeColumns.map(({ name, index }) => [name, cell(index)])),
        sourceRow: row,
      },
    });
  }

  const scans: PersonScan[] = [];
  let done = 0;
  await runPool(people, FOLDER_CONCURRENCY, opts.signal, async (person, i) => {
    scans[i] = await scanPersonFolder(root, person.folder, person.subject.key);
    opts.onProgress?.(++done, people.length, 'checking person folders');
  });

  const subjects: ScannedSubject[] = [];
  const scannedImages: ScannedImage[] = [];
  scans.forEach((scan, i) => {
    const { subject, row } = people[i] as Person;
    problems.push(...scan.problems);
    if (scan.images === null) return;
    subjects.push(subject);
    scannedImages.push(...scan.images);
    (table.sourceTable.rows[row] as SourceTable['rows'][number]).subjectKey = subject.key;
  });

  return {
    kind: 'mask',
    root,
    source,
    name: basename(root),
    labelNames: [],
    subjects,
    images: scannedImages,
    problems,
    sourceTable: table.sourceTable,
  };
}

function rowProblem(line: number, reason: string): ImportProblem {
  return { path: `${CSV_NAME}:${line}`, reason };
}

function parseAge(text: string): number | string {
  const trimmed = text.trim();
  const age = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(age)) return `age "${trimmed}" is not a number`;
  if (age < 0) return `age ${trimmed} is negative`;
  if (!Number.isInteger(age)) return `age ${trimmed} is not a whole number of years`;
  return age;
}

interface PersonScan {
  images: ScannedImage[] | null;
  problems: ImportProblem[];
}

/** The person's images in slot order, or null (with the reason) when the folder cannot be used at all. */
async function scanPersonFolder(root: string, folder: string, key: string): Promise<PersonScan> {
  const resolved = await resolveInside(root, folder);
  const unusable =
    resolved.status === 'missing'
      ? 'person folder not found'
      : resolved.status === 'outside'
        ? 'person folder is a link to outside the dataset folder'
        : resolved.stats.isDirectory()
          ? null
          : 'expected a folder, found a file';
  if (unusable !== null) return { images: null, problems: [{ path: folder, reason: unusable }] };

  const { names, problems } = await listImageFiles(root, folder);
  const fileOfSlot = new Map<MaskSlot, string>();
  for (const name of names) {
    const relPath = `${folder}/${name}`;
    const stem = name.slice(0, -extname(name).length);
    const slot = MASK_SLOTS.find((candidate) => candidate === stem);
    if (slot === undefined) {
      problems.push({ path: relPath, reason: `not one of the 7 expected slots (${SLOT_LIST})` });
      continue;
    }
    const kept = fileOfSlot.get(slot);
    if (kept !== undefined) {
      problems.push({ path: relPath, reason: `second file for slot ${slot} (kept ${kept})` });
      continue;
    }
    fileOfSlot.set(slot, name);
  }

  const images: ScannedImage[] = [];
  for (const slot of MASK_SLOTS) {
    const file = fileOfSlot.get(slot);
    if (file === undefined) {
      problems.push({ path: `${folder}/${slot}`, reason: `missing image for slot ${slot}` });
      continue;
    }
    images.push({
      relPath: `${folder}/${file}`,
      subjectKey: key,
      slot,
      mask: maskForSlot(slot),
      label: null,
      boxes: [],
    });
  }
  return { images, problems };
}
