// The queries the UI runs must find their rows through an index, not by reading a whole table: at 100,000 images
// a full scan per gallery page or keypress is what makes the app feel slow. Every statement the read side and the
// label writer prepare is recorded with its parameters and checked with EXPLAIN QUERY PLAN.
import { describe, expect, it } from 'vitest';
import type { ImageFilter, ImageSort } from '../../shared/api-contract';
import { listHistory, setLabel, undo, appliedChanges } from '../history/label-history';
import { seedMaskStore, type SeedPerson } from '../test-support/seed-store';
import {
  getImage,
  getSubject,
  listProblems,
  overview,
  queryImages,
  setReview,
  summarize,
} from '../datasets/dataset-reads';
import type { Db } from './open-database';
import { SqliteStore } from './sqlite-store';
import type { Suspect } from '../../shared/api-contract';
import { suspectPage } from '../review/suspects';
import { acceptSuspect, keepSuspect } from '../review/review-actions';

interface Recorded {
  sql: string;
  params: unknown[];
}

/** A view of `db` that records every statement run through it, with its parameters. */
function recording(db: Db): { db: Db; statements: Recorded[] } {
  const statements: Recorded[] = [];
  const wrapStatement = (sql: string, statement: object): object =>
    new Proxy(statement, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        if (prop === 'get' || prop === 'all' || prop === 'run' || prop === 'iterate') {
          return (...params: unknown[]) => {
            statements.push({ sql, params });
            return fn.apply(target, params);
          };
        }
        return fn.bind(target);
      },
    });
  const proxy = new Proxy(db, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === 'prepare') return (sql: string) => wrapStatement(sql, target.prepare(sql));
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: proxy, statements };
}

const people = (n: number, offset = 0): SeedPerson[] =>
  Array.from({ length: n }, (_, i) => ({
    id: String(offset + i + 1).padStart(6, '0'),
    gender: ((offset + i) % 2) as 0 | 1,
    age: 18 + ((i * 13) % 60),
  }));

/** Two datasets, so a query that forgets its dataset shows up; enough rows that SQLite prefers indexes. */
function seeded(): { db: Db; datasetId: number; imageId: number; subjectId: number } {
  const { db, datasetId } = seedMaskStore(people(300));
  const other = Number(
    db
      .prepare(
        `INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('b', 'folders', '/b', '/b', 'now')`,
      )
      .run().lastInsertRowid,
  );
  const insertImage = db.prepare('INSERT INTO images (dataset_id, rel_path) VALUES (?, ?)');
  const insertLabels = db.prepare(
    'INSERT INTO image_labels (image_id, dataset_id, label, class_index) VALUES (?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) {
      const id = Number(insertImage.run(other, `c${i % 5}/${i}.png`).lastInsertRowid);
      insertLabels.run(id, other, i % 5, i % 5);
    }
  })();
  // Most photos carry a detected box, some a manual one too, as after a detector run and some editing.
  const insertBox = db.prepare(
    `INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, 60, 90, 250, 260, ?, ?)`,
  );
  db.transaction(() => {
    const ids = db.prepare('SELECT id FROM images WHERE dataset_id = ?').pluck().all(datasetId) as number[];
    ids.forEach((id, i) => {
      if (i % 10 !== 0) insertBox.run(id, 'detected', 0.9);
      if (i % 7 === 0) insertBox.run(id, 'manual', null);
    });
  })();
  const { id: imageId, subject_id: subjectId } = db
    .prepare('SELECT id, subject_id FROM images WHERE dataset_id = ? ORDER BY id LIMIT 1 OFFSET 40')
    .get(datasetId) as { id: number; subject_id: number };
  db.prepare(`INSERT INTO import_problems (dataset_id, path, reason) VALUES (?, 'x.jpg', 'zero-byte file')`).run(
    datasetId,
  );
  return { db, datasetId, imageId, subjectId };
}

const FILTERS: ImageFilter[] = [
  {},
  { classIndex: 4 },
  { mask: 1 },
  { gender: 0 },
  { ageGroup: 2 },
  { label: 1 },
  { review: 'unreviewed' },
  { review: 'flagged' },
  { review: 'verified' },
  { subjectId: 1 },
  { pathContains: '00012' },
  { mask: 0, gender: 1, ageGroup: 1, review: 'unreviewed' },
  { face: 'any' },
  { face: 'none' },
  { face: 'unchecked' },
];
const SORTS: ImageSort[] = ['path', 'class', 'age', 'recent-change'];

/** Plan lines that read a whole table: `SCAN t` with no index at all. The dataset list is a handful of rows. */
function fullScans(db: Db, { sql, params }: Recorded): string[] {
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
  return plan
    .map((row) => row.detail)
    .filter((detail) => /^SCAN \w+$/.test(detail) && !/^SCAN (datasets|d)$/.test(detail));
}

describe('query plans of what the UI runs', () => {
  it('find rows through indexes, for every gallery filter and sort, the person and image views, overview and history', () => {
    const { db: raw, datasetId, imageId, subjectId } = seeded();
    const { db, statements } = recording(raw);
    const store = new SqliteStore(db);

    for (const filter of FILTERS) {
      for (const sort of SORTS) queryImages(store, datasetId, filter, sort, 100, 50);
    }
    queryImages(store, datasetId + 1, { label: 2 }, 'class', 0, 50);
    getImage(store, imageId);
    getSubject(store, subjectId);
    overview(store, datasetId);
    overview(store, datasetId + 1);
    summarize(store, store.datasets.get(datasetId));
    store.datasets.list();
    listProblems(store, datasetId);
    store.images.location(imageId);
    store.images.findByPath(datasetId, 'images/000001_female_Asian_18/mask1.jpg');
    store.subjects.findByKey(datasetId, '000001_female_Asian_18');
    setReview(store, imageId, 'flagged');
    setLabel(store, { datasetId, target: { subjectId }, field: 'gender', value: 1 });
    setLabel(store, { datasetId, target: { imageId }, field: 'mask', value: 2 });
    setLabel(store, { datasetId, target: { subjectId }, field: 'mask', value: 0 });
    undo(store, datasetId);
    listHistory(store, datasetId, 100);
    appliedChanges(store, datasetId);
    store.boxes.appliedChanges(datasetId);

    const distinct = new Map(statements.map((s) => [s.sql, s]));
    expect(distinct.size).toBeGreaterThan(40);
    const offenders = [...distinct.values()]
      .map((s) => ({ sql: s.sql.replace(/\s+/g, ' ').trim(), scans: fullScans(raw, s) }))
      .filter((o) => o.scans.length > 0);
    expect(offenders).toEqual([]);
    raw.close();
  });

  it("finds the primary boxes of a gallery page through the boxes index, for the page's rows only", () => {
    const { db: raw, datasetId } = seeded();
    const { db, statements } = recording(raw);
    const store = new SqliteStore(db);
    const page = queryImages(store, datasetId, {}, 'class', 1000, 50);
    expect(page.items.filter((item) => item.box !== null).length).toBeGreaterThan(40);
    const lookup = statements.find((s) => s.sql.includes('FROM boxes'));
    expect(lookup).toBeDefined();
    const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${lookup!.sql}`).all(...lookup!.params) as { detail: string }[]).map(
      (row) => row.detail,
    );
    expect(plan).toContainEqual(
      expect.stringMatching(/^SEARCH boxes USING (COVERING )?INDEX boxes_image \(image_id=\?\)$/),
    );
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH b USING INTEGER PRIMARY KEY \(rowid=\?\)/));
    // The page and count queries do not touch boxes: OFFSET-skipped and sorted-away rows cost no box lookups.
    expect(statements.filter((s) => s.sql.includes('boxes'))).toEqual([lookup]);
    raw.close();
  });

  it('pages, counts and decides the stored review queue through its indexes', () => {
    const { db: raw, datasetId, subjectId, imageId } = seeded();
    const setupStore = new SqliteStore(raw);
    const runId = setupStore.runs.create(datasetId, 'external', 'file', {
      mode: 'quick',
      folds: 2,
      backend: 'auto',
      crop: 'whole-image',
      cropMargin: 0,
      seed: 0,
    });
    const other = setupStore.runs.create(datasetId + 1, 'external', 'file', {
      mode: 'quick',
      folds: 2,
      backend: 'auto',
      crop: 'whole-image',
      cropMargin: 0,
      seed: 0,
    });
    const subjects = raw.prepare('SELECT id, key FROM subjects WHERE dataset_id = ?').all(datasetId) as
      { id: number; key: string }[];
    const items = (id: number): Suspect[] =>
      subjects.map((s, i) => ({
        key: `subject:${s.id}:${i % 2 ? 'gender' : 'age'}`,
        kind: i % 2 ? 'person-gender' : 'person-age',
        level: 'subject',
        field: i % 2 ? 'gender' : 'age',
        path: s.key,
        subject: s.key,
        subjectId: s.id,
        imageIds: [],
        given: 'a',
        suggested: 'b',
        suggestedValue: 1,
        score: (1000 - i) / 1000 + id,
        tier: 1,
        evidence: { classNames: [], probs: [], age: null },
      }));
    raw.prepare(`UPDATE training_runs SET state = 'done'`).run();
    setupStore.suspects.storeQueue(datasetId, runId, items(0));
    setupStore.suspects.storeQueue(datasetId + 1, other, items(1));
    setupStore.suspects.recordLabelSnapshot(datasetId, runId);
    const { db, statements } = recording(raw);
    const recorded = new SqliteStore(db);
    suspectPage(recorded, datasetId, { offset: 0, limit: 50 });
    suspectPage(recorded, datasetId, { kind: 'person-age', offset: 100, limit: 50 });
    acceptSuspect(recorded, datasetId, `subject:${subjects[1]!.id}:gender`);
    setLabel(recorded, { datasetId, target: { imageId }, field: 'mask', value: 1 });
    keepSuspect(recorded, datasetId, `subject:${subjectId}:age`);
    undo(recorded, datasetId);
    const queueSql = [...new Map(statements.map((s) => [s.sql, s])).values()].filter((s) =>
      /suspects|run_review|keep_history/.test(s.sql),
    );
    expect(queueSql.length).toBeGreaterThan(8);
    const offenders = queueSql
      .map((s) => ({ sql: s.sql.replace(/\s+/g, ' ').trim(), scans: fullScans(raw, s) }))
      .filter((o) => o.scans.length > 0);
    expect(offenders).toEqual([]);
    const pagePlan = (sql: string, ...params: unknown[]): string[] =>
      (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
    const pageSql = queueSql.find((s) => /state = 'open' ORDER BY rank/.test(s.sql.replace(/\s+/g, ' ')))!;
    expect(pagePlan(pageSql.sql, ...pageSql.params).join('; ')).toMatch(/USING INDEX suspects_(queue|kind)/);
    expect(pagePlan(pageSql.sql, ...pageSql.params).join('; ')).not.toMatch(/TEMP B-TREE/);
    raw.close();
  });

  it('would catch a full scan', () => {
    const { db } = seeded();
    expect(fullScans(db, { sql: 'SELECT * FROM image_labels WHERE mask = ?', params: [1] })).toEqual([
      'SCAN image_labels',
    ]);
    expect(fullScans(db, { sql: 'SELECT id FROM images WHERE dataset_id = ?', params: [1] })).toEqual([]);
    db.close();
  });
});
