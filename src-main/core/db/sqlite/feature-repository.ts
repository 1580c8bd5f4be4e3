import type { FeatureKey, FeatureRepository } from '../store';
import type { Statements } from './statements';

export class SqliteFeatureRepository implements FeatureRepository {
  constructor(private readonly sql: Statements) {}

  read(key: FeatureKey): Float32Array | null {
    const row = this.sql.one<{ vector: Buffer }>(
      'SELECT vector FROM feature_cache WHERE image_id = ? AND extractor = ? AND file_size = ? AND file_mtime_ms = ?',
      key.imageId,
      key.extractor,
      key.fileSize,
      key.fileMtimeMs,
    );
    // A vector written by another build may be cut short; it is then recomputed, never misread.
    if (!row || row.vector.byteLength % 4 !== 0) return null;
    const v = row.vector;
    return new Float32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  }

  write(entries: readonly (FeatureKey & { vector: Float32Array })[]): void {
    const write = this.sql.get(
      `INSERT INTO feature_cache (image_id, extractor, file_size, file_mtime_ms, vector) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(image_id, extractor) DO UPDATE SET file_size = excluded.file_size,
         file_mtime_ms = excluded.file_mtime_ms, vector = excluded.vector`,
    );
    this.sql.db.transaction(() => {
      for (const e of entries) {
        const v = e.vector;
        write.run(e.imageId, e.extractor, e.fileSize, e.fileMtimeMs, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      }
    })();
  }
}
