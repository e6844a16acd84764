// CPU time of another process, from /proc/<pid>/stat (Linux): a figure that, unlike a rate, holds up when other
// work shares the machine's cores.
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/**
 * User plus system CPU time `pid` has used so far, in ms (proc(5): /proc/<pid>/stat fields 14 utime and 15 stime, in
 * clock ticks, so 10 ms resolution). @throws Error when the process does not exist.
 */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) is parenthesised and may hold spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}
