// The store's face of the stored review queue; the SQL lives in suspect-queries.ts.
import type { SettledSuspect, Suspect, SuspectKind } from '../../../shared/api-contract';
import type { Statements } from './statements';
import type { ImageLabelRow, LabelCount, QueueCounts, SubjectLabelRow, SuspectDecision, SuspectRepository } from '../store';
import * as q from './suspect-queries';

export class SqliteSuspectRepository implements SuspectRepository {
  constructor(private readonly sql: Statements) {}

  latestDoneRunId(datasetId: number): number | null {
    return q.latestDoneRunId(this.sql, datasetId);
  }
  labelCounts(datasetId: number): { counts: LabelCount[]; persons: number } {
    return q.labelCounts(this.sql, datasetId);
  }
  judgedSmallData(runId: number): { notice: string | null } | null {
    return q.judgedSmallData(this.sql, runId);
  }
  recordSmallData(runId: number, notice: string | null): void {
    q.recordSmallData(this.sql, runId, notice);
  }
  imageLabelRows(datasetId: number): ImageLabelRow[] {
    return q.imageLabelRows(this.sql, datasetId);
  }
  subjectLabelRows(datasetId: number): SubjectLabelRow[] {
    return q.subjectLabelRows(this.sql, datasetId);
  }
  decidedLabelKeys(datasetId: number): string[] {
    return q.decidedLabelKeys(this.sql, datasetId);
  }
  recordLabelSnapshot(datasetId: number, runId: number): void {
    q.recordLabelSnapshot(this.sql, datasetId, runId);
  }
  hasStoredQueue(runId: number): boolean {
    return q.hasStoredQueue(this.sql, runId);
  }
  storeQueue(datasetId: number, runId: number, items: readonly Suspect[]): void {
    q.storeQueue(this.sql, datasetId, runId, items);
  }
  openSuspectPage(runId: number, kind: SuspectKind | undefined, offset: number, limit: number): Suspect[] {
    return q.openSuspectPage(this.sql, runId, kind, offset, limit);
  }
  queueCounts(runId: number): QueueCounts {
    return q.queueCounts(this.sql, runId);
  }
  findOpenSuspect(runId: number, key: string): Suspect | null {
    return q.findOpenSuspect(this.sql, runId, key);
  }
  latestSuspectByKey(datasetId: number, key: string): Suspect | null {
    return q.latestSuspectByKey(this.sql, datasetId, key);
  }
  decideSuspects(
    datasetId: number,
    keys: readonly string[],
    actionId: number,
    decision: SuspectDecision,
  ): SettledSuspect[] {
    return q.decideSuspects(this.sql, datasetId, keys, actionId, decision);
  }
  nameDecision(datasetId: number, key: string, actionId: number, decision: SuspectDecision): void {
    q.nameDecision(this.sql, datasetId, key, actionId, decision);
  }
  entityInDataset(datasetId: number, entity: 'image' | 'subject', id: number): boolean {
    return q.entityInDataset(this.sql, datasetId, entity, id);
  }
  subjectOfImages(imageIds: readonly number[]): Map<number, number> {
    return q.subjectOfImages(this.sql, imageIds);
  }
  recordKeep(datasetId: number, actionId: number, entity: 'image' | 'subject', entityId: number, field: string): boolean {
    return q.recordKeep(this.sql, datasetId, actionId, entity, entityId, field);
  }
  replayReviewAction(actionId: number, direction: 'undo' | 'redo'): void {
    q.replayReviewAction(this.sql, actionId, direction);
  }
  decisionsNotInRun(datasetId: number, runId: number): number {
    return q.decisionsNotInRun(this.sql, datasetId, runId);
  }
}
