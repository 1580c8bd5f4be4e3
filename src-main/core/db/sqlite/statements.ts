import type { Statement } from 'better-sqlite3';
import type { Db } from '../open-database';
import { cachePathsFor, type CachePaths } from '../../cache-paths';

/**
 * Prepared statements, one per SQL text and connection: preparing is a parse and plan each time, and paths such
 * as undoing a box import replay thousands of rows. Dynamic SQL (the gallery's filter combinations) is bounded by
 * the filters the contract allows, so the cache stays small.
 */
export class Statements {
  readonly #cache = new Map<string, Statement>();
  /**
   * Paths inside the store's own cache (thumbnails, the demo's folder, IDX images written as PNGs) are stored
   * relative to it, so a store and its `<db>.cache/` can move together; repositories convert at the boundary and
   * domain code only ever sees absolute paths.
   */
  readonly paths: Pick<CachePaths, 'toStored' | 'fromStored'>;
  constructor(readonly db: Db) {
    this.paths = cachePathsFor(db.name);
  }

  get(sql: string): Statement {
    let statement = this.#cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#cache.set(sql, statement);
    }
    return statement;
  }

  /** Rows as the given shape; the SQL's column aliases must match it. */
  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.get(sql).all(...params) as T[];
  }

  one<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.get(sql).get(...params) as T | undefined;
  }

  run(sql: string, ...params: unknown[]): { changes: number; lastInsertRowid: number } {
    const info = this.get(sql).run(...params);
    return { changes: info.changes, lastInsertRowid: Number(info.lastInsertRowid) };
  }

  count(sql: string, ...params: unknown[]): number {
    return (this.get(sql).get(...params) as { n: number }).n;
  }
}
