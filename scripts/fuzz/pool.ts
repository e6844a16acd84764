/**
 * Runs `task(0)` … `task(count - 1)` with at most `concurrency` of them in flight, in index order, and resolves when
 * all are done. A task that rejects rejects the pool (tasks here never do: they report outcomes).
 */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
}
