// Memory of another process, read from /proc/<pid>/status (Linux): the figures the README's RSS targets are stated in.
import { readFileSync } from 'node:fs';
import { readFdLimit } from '../src/listeners/connection-budget.js';

/** Resident set size now (VmRSS) and its high-water mark since the process started (VmHWM), in bytes. */
export interface ProcessMemory {
  rssBytes: number;
  hwmBytes: number;
}

/**
 * Reads VmRSS and VmHWM of `pid` (proc(5): the kernel reports them in kB = 1024 bytes).
 * @throws Error when the process does not exist (any more) or the fields are missing (not Linux).
 */
export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: field('VmRSS'), hwmBytes: field('VmHWM') };
}

/**
 * Samples `processMemory(pid)` every `intervalMs` (default 50) until stop() is called, and returns the highest
 * VmRSS seen (bytes) and the VmHWM at the last sample. A sample of a process that has exited ends the sampling.
 */
export function sampleMemory(pid: number, intervalMs = 50): { stop(): { peakRssBytes: number; hwmBytes: number; samples: number } } {
  let peakRssBytes = 0;
  let hwmBytes = 0;
  let samples = 0;
  const take = () => {
    try {
      const memory = processMemory(pid);
      peakRssBytes = Math.max(peakRssBytes, memory.rssBytes);
      hwmBytes = memory.hwmBytes;
      samples += 1;
    } catch {
      clearInterval(timer);
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      take();
      clearInterval(timer);
      return { peakRssBytes, hwmBytes, samples };
    },
  };
}

/** The open-file limit of this process (RLIMIT_NOFILE, soft), from /proc/self/limits; Infinity when unlimited. */
export function openFileLimit(): number {
  const limit = readFdLimit();
  if (limit === null) throw new Error('/proc/self/limits has no readable "Max open files" line');
  return limit;
}
