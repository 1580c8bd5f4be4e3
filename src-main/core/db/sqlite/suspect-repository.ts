// The store's face of the stored review queue; the SQL lives in suspect-queries.ts.
import type { SettledSuspect, Suspect, SuspectKind } from '../../../shared/api-contract';
import type { Db } from '../open-database';
import type { ImageLabelRow, LabelCount, QueueCounts, SubjectLabelRow, SuspectDecision, SuspectRepository } from '../store';
import * as q from './suspect-queries';

export class SqliteSuspectRepository implements SuspectRepository {
  constructor(private readonly db: Db) {}

  latestDoneRunId(datasetId: number): number | null {
    return q.latestDoneRunId(this.db, datasetId);
  }
  labelCounts(datasetId: number): { counts: LabelCount[]; persons: number } {
    return q.labelCounts(this.db, datasetId);
  }
  judgedSmallData(runId: number): { notice: string | null } | null {
    return q.judgedSmallData(this.db, runId);
  }
  recordSmallData(runId: number, notice: string | null): void {
    q.recordSmallData(this.db, runId, notice);
  }
  imageLabelRows(datasetId: number): ImageLabelRow[] {
    return q.imageLabelRows(this.db, datasetId);
  }
  subjectLabelRows(datasetId: number): SubjectLabelRow[] {
    return q.subjectLabelRows(this.db, datasetId);
  }
  decidedLabelKeys(datasetId: number): string[] {
    return q.decidedLabelKeys(this.db, datasetId);
  }
  recordLabelSnapshot(datasetId: number, runId: number): void {
    q.recordLabelSnapshot(this.db, datasetId, runId);
  }
  hasStoredQueue(runId: number): boolean {
    return q.hasStoredQueue(this.db, runId);
  }
  storeQueue(datasetId: number, runId: number, items: readonly Suspect[]): void {
    q.storeQueue(this.db, datasetId, runId, items);
  }
  openSuspectPage(runId: number, kind: SuspectKind | undefined, offset: number, limit: number): Suspect[] {
    return q.openSuspectPage(this.db, runId, kind, offset, limit);
  }
  queueCounts(runId: number): QueueCounts {
    return q.queueCounts(this.db, runId);
  }
  findOpenSuspect(runId: number, key: string): Suspect | null {
    return q.findOpenSuspect(this.db, runId, key);
  }
  latestSuspectByKey(datasetId: number, key: string): Suspect | null {
    return q.latestSuspectByKey(this.db, datasetId, key);
  }
  decideSuspects(
    datasetId: number,
    keys: readonly string[],
    actionId: number,
    decision: SuspectDecision,
  ): SettledSuspect[] {
    return q.decideSuspects(this.db, datasetId, keys, actionId, decision);
  }
  nameDecision(datasetId: number, key: string, actionId: number, decision: SuspectDecision): void {
    q.nameDecision(this.db, datasetId, key, actionId, decision);
  }
  entityInDataset(datasetId: number, entity: 'image' | 'subject', id: number): boolean {
    return q.entityInDataset(this.db, datasetId, entity, id);
  }
  subjectOfImages(imageIds: readonly number[]): Map<number, number> {
    return q.subjectOfImages(this.db, imageIds);
  }
  recordKeep(datasetId: number, actionId: number, entity: 'image' | 'subject', entityId: number, field: string): boolean {
    return q.recordKeep(this.db, datasetId, actionId, entity, entityId, field);
  }
  replayReviewAction(actionId: number, direction: 'undo' | 'redo'): void {
    q.replayReviewAction(this.db, actionId, direction);
  }
  decisionsNotInRun(datasetId: number, runId: number): number {
    return q.decisionsNotInRun(this.db, datasetId, runId);
  }
}
