// Export writes corrected labels and face boxes to a folder the user picks, never into the dataset itself. Every
// file is written to a temporary name and renamed, so a reader never sees half a file.
import { mkdirSync } from 'node:fs';
import { writeFileAtomicSync } from '../fs/atomic-write';
import { isInside, realPathOrNull } from '../fs/contained-path';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { DatasetRecord, ExportImageRow, LoupeStore } from '../db/store';
import type { ExportResult } from '../../shared/api-contract';
import {
  AGE_GROUP_VALUES,
  GENDER_VALUES,
  MASK_VALUES,
  valueNamesForField,
  type LabelField,
} from '../../shared/label-schema';
import { faceBoxFiles } from './face-box-files';
import { appliedChanges } from '../history/label-history';
import { ApiFailure } from '../api-failure';

function csv(rows: (string | number | null)[][]): string {
  return stringify(rows, { record_delimiter: '\n' });
}

export function exportDataset(store: LoupeStore, datasetId: number, outDir: string): ExportResult {
  const record = store.datasets.get(datasetId);
  const target = realPathOrNull(outDir) ?? resolve(outDir);
  if (isInside(realPathOrNull(record.root) ?? resolve(record.root), target)) {
    throw new ApiFailure(
      'invalid-argument',
      `refusing to export into the dataset folder ${record.root}; pick another folder`,
    );
  }
  // Build everything before writing anything, so a failure leaves the folder as it was.
  const files: [string, string][] = [];
  let rowsChanged = 0;
  if (record.kind === 'mask') {
    const train = trainCsv(store, record);
    if (train) {
      files.push(['train.csv', train.content]);
      rowsChanged = train.rowsChanged;
    }
  }
  files.push(['labels.csv', labelsCsv(store, record)]);
  const changes = appliedChanges(store, datasetId);
  const boxChanges = store.boxes.appliedChanges(datasetId);
  // Label and box changes in the order they were made (a stable sort keeps each kind's own order on equal times).
  const changeRows = [
    ...changes.map((c) => [
      c.createdAt,
      c.source,
      c.entity === 'subject' ? 'person' : 'image',
      c.entityKey,
      c.field,
      valueName(record, c.field, c.oldValue),
      valueName(record, c.field, c.newValue),
    ]),
    ...boxChanges.map((b) => [b.createdAt, b.source, 'image', b.imagePath, 'box', boxText(b.oldBox), boxText(b.newBox)]),
  ].sort((a, b) => a[0]!.localeCompare(b[0]!));
  files.push(['changes.csv', csv([['time', 'source', 'entity', 'key', 'field', 'old', 'new'], ...changeRows])]);
  const notes: string[] = [];
  if (record.kind === 'mask') {
    notes.push(
      'train.csv keeps the competition layout, which has no mask column: mask fixes are in labels.csv (and listed ' +
        'in changes.csv); gender and age fixes are in both.',
    );
  }
  const boxes = faceBoxFiles(store, datasetId, record.name);
  files.push(['boxes.csv', csv(boxes.boxesCsv)]);
  files.push(['boxes.coco.json', `${JSON.stringify(boxes.coco)}\n`]);
  mkdirSync(target, { recursive: true });
  for (const [name, content] of files) writeFileAtomicSync(join(target, name), content);
  return {
    outDir: target,
    files: files.map(([name]) => join(target, name)),
    rowsChanged,
    changes: changes.length,
    boxChanges: boxChanges.length,
    notes,
  };
}

/** A box in changes.csv: `x,y,w,h (source)`, rounded to pixels; empty where the box did not exist. */
function boxText(json: string | null): string {
  if (json === null) return '';
  const b = JSON.parse(json) as { x: number; y: number; w: number; h: number; source: string };
  return `${[b.x, b.y, b.w, b.h].map((v) => Math.round(v)).join(',')} (${b.source})`;
}

function valueName(record: DatasetRecord, field: LabelField, value: number | null): string {
  if (value === null) return '';
  if (field === 'age') return String(value);
  return valueNamesForField(field, record.labelNames)[value] ?? String(value);
}

/** train.csv in its original schema: untouched rows byte for byte, gender and age rewritten where corrected. */
function trainCsv(store: LoupeStore, record: DatasetRecord): { content: string; rowsChanged: number } | null {
  const table = store.datasets.sourceTable(record.id);
  if (!table) return null;
  const columns = parse(table.header)[0] ?? [];
  const genderCol = columns.indexOf('gender');
  const ageCol = columns.indexOf('age');
  const rows = store.datasets.sourceRows(record.id);
  let rowsChanged = 0;
  const lines = rows.map((row) => {
    if (row.gender === null && row.age === null) return row.raw;
    const fields = parse(row.raw, { relax_column_count: true })[0] ?? [];
    let changed = false;
    const gender = row.gender === null ? null : GENDER_VALUES[row.gender];
    if (gender && genderCol >= 0 && fields[genderCol]?.trim().toLowerCase() !== gender) {
      fields[genderCol] = gender;
      changed = true;
    }
    if (row.age !== null && ageCol >= 0 && Number(fields[ageCol]) !== row.age) {
      fields[ageCol] = String(row.age);
      changed = true;
    }
    if (!changed) return row.raw;
    rowsChanged++;
    return stringify([fields], { record_delimiter: '' });
  });
  const body = [table.header, ...lines].join(table.newline) + (table.finalNewline ? table.newline : '');
  return { content: (table.bom ? '\uFEFF' : '') + body, rowsChanged };
}

/**
 * The image's primary face box (db/primary-box: the one training crops to — a box a person drew, else the
 * highest-scoring one) as `x,y,w,h`, and where it came from: `manual`, `detected` or `imported`; `none` where a face
 * detector looked and found no face; empty where there is no box and no detector has looked.
 */
const BOX_HEADER = ['x', 'y', 'w', 'h', 'box_source'];

function boxCells(r: ExportImageRow): (number | string | null)[] {
  if (r.box) return [r.box.x, r.box.y, r.box.w, r.box.h, r.box.source];
  return [null, null, null, null, r.faces === 0 ? 'none' : ''];
}

function labelsCsv(store: LoupeStore, record: DatasetRecord): string {
  const rows = store.images.exportRows(record.id);
  if (record.kind === 'mask') {
    return csv([
      // The competition's five columns first; the age group after them for readers who want it spelled out.
      ['path', 'mask', 'gender', 'age', 'class', 'age_group', ...BOX_HEADER],
      ...rows.map((r) => [
        r.relPath,
        r.mask === null ? '' : (MASK_VALUES[r.mask] ?? ''),
        r.gender === null ? '' : (GENDER_VALUES[r.gender] ?? ''),
        r.age,
        r.classIndex,
        r.ageGroup === null ? '' : (AGE_GROUP_VALUES[r.ageGroup] ?? ''),
        ...boxCells(r),
      ]),
    ]);
  }
  return csv([
    ['path', 'label', 'class', 'group', ...BOX_HEADER],
    ...rows.map((r) => [
      r.relPath,
      r.label === null ? '' : (record.labelNames[r.label] ?? ''),
      r.label,
      r.subjectKey,
      ...boxCells(r),
    ]),
  ]);
}
