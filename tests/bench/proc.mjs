// Reading CPU use of processes from /proc (Linux), for the benchmarks.

import { readFileSync, readdirSync } from 'node:fs';

/** CPU ticks (1/100 s, user + system) used so far by the processes `pids`. */
export function cpuTicks(pids) {
  return pids.reduce((sum, pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return sum + Number(fields[11]) + Number(fields[12]);
    } catch {
      return sum; // the process ended
    }
  }, 0);
}

/** Every Chromium process on the machine. */
export function chromiumPids() {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return /chrom/i.test(readFileSync(`/proc/${pid}/comm`, 'utf8'));
    } catch {
      return false;
    }
  });
}
