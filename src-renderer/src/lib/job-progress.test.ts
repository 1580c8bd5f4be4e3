import { describe, expect, it } from 'vitest';
import { jobPercent, jobProgressText } from './job-progress';

describe('a job progress bar', () => {
  it('says the phase, the count and the time left the core estimated, once it has one', () => {
    const job = { phase: 'detecting faces', done: 120, total: 1400, etaSeconds: null };
    expect(jobProgressText(job)).toBe('detecting faces: 120 of 1,400');
    expect(jobProgressText({ ...job, etaSeconds: 125 })).toBe('detecting faces: 120 of 1,400 · about 2 min 05 s left');
    expect(jobProgressText({ ...job, total: 0, done: 0 })).toBe('detecting faces…');
    expect([jobPercent(job), jobPercent({ done: 0, total: 0 }), jobPercent({ done: 5, total: 4 })]).toEqual([
      9, 0, 100,
    ]);
  });
});
