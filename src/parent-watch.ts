/**
 * Calls `onOrphaned` once when the process that started this one has exited: Linux then reparents this process (to
 * PID 1 or a subreaper), so `process.ppid` changes. Polls every `intervalMs` (ms) on a timer that does not keep the
 * process alive.
 *
 * For `serve` started by npm (`npm start`): npm forwards SIGINT and SIGTERM to the farm, but when npm itself dies
 * another way (SIGKILL, SIGHUP, SIGQUIT) the farm would otherwise keep every port open with nobody to stop it.
 * @returns a function that stops watching.
 */
export function watchParent(onOrphaned: () => void, intervalMs = 250): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
