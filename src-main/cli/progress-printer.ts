import type { JobSnapshot } from '../shared/api-contract';

/**
 * Progress on stderr: one rewritten line on a terminal, otherwise a line at most every two seconds (and when a phase
 * first appears or completes), so logs stay readable. stdout stays clean for --json. Each line ends with the time left in the phase
 * once the job's snapshot has an estimate (the job runner's, the same the app shows).
 */
export function createProgressPrinter(
  label: string,
  now: () => number = Date.now,
  write: (text: string) => void = (text) => process.stderr.write(text),
  tty: boolean = process.stderr.isTTY,
): ((job: Pick<JobSnapshot, 'phase' | 'done' | 'total' | 'etaSeconds'>) => void) & {
  finish(): void;
} {
  // A phase is printed at once the first time it appears; after that lines are throttled even when the phase
  // changes, since quick training names a phase per task and steps through the tasks in turn.
  const seen = new Set<string>();
  let lastAt = 0;
  let pending = false;
  const printer = ({
    phase,
    done,
    total,
    etaSeconds,
  }: Pick<JobSnapshot, 'phase' | 'done' | 'total' | 'etaSeconds'>): void => {
    const t = now();
    const fresh = !seen.has(phase);
    if (!fresh && t - lastAt < (tty ? 100 : 2000) && done !== total) return;
    seen.add(phase);
    lastAt = t;
    const pct = total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : '';
    const left = etaSeconds === null ? '' : `, ${formatLeft(etaSeconds)} left`;
    const line = `${label}: ${phase} ${done}/${total}${pct}${left}`;
    if (tty) {
      write(`\r${line}\x1b[K`);
      pending = true;
    } else write(`${line}\n`);
  };
  return Object.assign(printer, {
    finish() {
      if (pending) write('\n');
      pending = false;
    },
  });
}

export function formatLeft(seconds: number): string {
  if (seconds < 60) return `~${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `~${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  return `~${h} h ${Math.round((seconds - h * 3600) / 60)} min`;
}
