/**
 * Runs `work` over `items` with at most `concurrency` in flight, in item order. Stops taking new items once
 * `signal` aborts and rejects with its reason after the ones in flight settle, so nothing is left half-done.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  signal: AbortSignal | undefined,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  // Held in an object: the workers set it inside closures, which TypeScript's narrowing does not follow.
  const state: { failure: Error | null } = { failure: null };
  const worker = async (): Promise<void> => {
    while (next < items.length && state.failure === null && !signal?.aborted) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (error) {
        state.failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (state.failure) throw state.failure;
  signal?.throwIfAborted();
}
