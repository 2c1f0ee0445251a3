import { readFileSync } from 'node:fs';

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, from /proc (Linux only). */
export function residentMemory(pid: number): { peakBytes: number; currentBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { peakBytes: kib('VmHWM') * 1024, currentBytes: kib('VmRSS') * 1024 };
}
