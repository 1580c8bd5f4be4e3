/**
 * Progress on stderr: one rewritten line on a terminal, otherwise a line at most every two seconds (and on each
 * new phase), so logs stay readable. stdout stays clean for --json.
 */
export function createProgressPrinter(label: string): ((phase: string, done: number, total: number) => void) & {
  finish(): void;
} {
  const tty = process.stderr.isTTY;
  let lastPhase = '';
  let lastAt = 0;
  let pending = false;
  const printer = (phase: string, done: number, total: number): void => {
    const now = Date.now();
    if (phase === lastPhase && now - lastAt < (tty ? 100 : 2000) && done !== total) return;
    lastPhase = phase;
    lastAt = now;
    const pct = total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : '';
    const line = `${label}: ${phase} ${done}/${total}${pct}`;
    if (tty) {
      process.stderr.write(`\r${line}\x1b[K`);
      pending = true;
    } else process.stderr.write(`${line}\n`);
  };
  return Object.assign(printer, {
    finish() {
      if (pending) process.stderr.write('\n');
      pending = false;
    },
  });
}
