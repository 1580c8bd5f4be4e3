// What a job's progress bar says: its phase and count, and the time left the core estimated for the phase (the
// same figure the CLI prints).
import type { JobSnapshot } from '../../../src-main/shared/api-contract';
import { formatCount } from './labels';
import { formatEta } from './training';

/** "detecting faces: 120 of 1,400 · about 2 min 05 s left" */
export function jobProgressText(job: Pick<JobSnapshot, 'phase' | 'done' | 'total' | 'etaSeconds'>): string {
  if (job.total <= 0) return `${job.phase}…`;
  const count = `${job.phase}: ${formatCount(job.done)} of ${formatCount(job.total)}`;
  return job.etaSeconds === null ? count : `${count} · ${formatEta(job.etaSeconds)}`;
}

export function jobPercent(job: Pick<JobSnapshot, 'done' | 'total'>): number {
  return job.total > 0 ? Math.min(100, Math.round((job.done / job.total) * 100)) : 0;
}
