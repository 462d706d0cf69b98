import os from 'node:os';

/** One line naming the machine, for the README table: cores, CPU, memory, Node version, date. */
export function machineLine(): string {
  const cpus = os.cpus();
  return `${new Date().toISOString().slice(0, 10)} · ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}) · ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · ${os.platform()} ${os.release()}`;
}
