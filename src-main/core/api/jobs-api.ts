import type { ApiArea, ApiContext } from './api-context';

export function jobsApi({ jobs }: ApiContext): ApiArea<'jobs'> {
  return {
    'jobs.list': () => Promise.resolve(jobs.list()),
    'jobs.cancel': ({ jobId }) => Promise.resolve({ cancelled: jobs.cancel(jobId) }),
  };
}
