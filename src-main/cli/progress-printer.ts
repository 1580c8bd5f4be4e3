/**
 * Progress on stderr: one rewritten line on a terminal, otherwise a line at most every two seconds (and on each
 * new phase), so logs stay readable. stdout stays clean for --json. Once a phase has run a few seconds, each line
 * ends with the time left in it at the pace seen so far.
 */
export function createProgressPrinter(
  label: string,
  now: () => number = Date.now,
  write: (text: string) => void = (text) => process.stderr.write(text),
  tty: boolean = process.stderr.isTTY,
): ((phase: string, done: number, total: number) => void) & {
  finish(): void;
} {
  let lastPhase = '';
  let lastAt = 0;
  let pending = false;
  // Pace is measured from the phase's first advance: the wait before it (a model loading) says nothing about the
  // time each item takes.
  let pace: { phase: string; at: number; done: number; advanced: boolean } | null = null;
  const printer = (phase: string, done: number, total: number): void => {
    const t = now();
    if (pace?.phase !== phase || done < pace.done) pace = { phase, at: t, done, advanced: false };
    else if (!pace.advanced && done > pace.done) pace = { phase, at: t, done, advanced: true };
    if (phase === lastPhase && t - lastAt < (tty ? 100 : 2000) && done !== total) return;
    lastPhase = phase;
    lastAt = t;
    const pct = total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : '';
    const left = pace.advanced ? secondsLeft(pace, t, done, total) : null;
    const line = `${label}: ${phase} ${done}/${total}${pct}${left === null ? '' : `, ${formatLeft(left)} left`}`;
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

/** Seconds left at the pace since `since`; null until a few seconds and at least one step have gone by. */
export function secondsLeft(
  since: { at: number; done: number } | null,
  now: number,
  done: number,
  total: number,
): number | null {
  if (!since || done >= total || done <= since.done) return null;
  const elapsed = (now - since.at) / 1000;
  if (elapsed < 3) return null;
  return (elapsed / (done - since.done)) * (total - done);
}

export function formatLeft(seconds: number): string {
  if (seconds < 60) return `~${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `~${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  return `~${h} h ${Math.round((seconds - h * 3600) / 60)} min`;
}
