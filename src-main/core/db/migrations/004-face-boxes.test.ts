import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { migrate } from '../open-database';
import { migrations } from '.';

describe('migration 004', () => {
  it('adds box history tied to label actions and one face-detection row per image, removed with the dataset', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.filter((m) => m.version <= 3));
    migrate(db, migrations.filter((m) => m.version <= 4));
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    db.prepare(`INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('d', 'mask', '/r', '/r', 'now')`).run();
    db.prepare(`INSERT INTO images (dataset_id, rel_path) VALUES (1, 'a.jpg')`).run();
    db.prepare(
      `INSERT INTO label_actions (dataset_id, source, description, state, created_at) VALUES (1, 'user', 'box', 'applied', 'now')`,
    ).run();
    db.prepare(
      `INSERT INTO box_history (action_id, image_id, box_id, old_box, new_box, created_at) VALUES (1, 1, 5, NULL, '{}', 'now')`,
    ).run();
    const detection = db.prepare(
      `INSERT INTO face_detections (image_id, dataset_id, detector, faces, best_score, detected_at) VALUES (1, 1, 'ssd', ?, NULL, 'now')`,
    );
    detection.run(0);
    expect(() => detection.run(1)).toThrow(/UNIQUE|PRIMARY/);
    db.prepare('DELETE FROM datasets').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM box_history').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM face_detections').get()).toEqual({ n: 0 });
  });
});
