import { cpus, freemem, loadavg, release, totalmem, type } from "node:os";

export interface MachineInfo {
  readonly os: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly memoryGiB: number;
  readonly freeMemoryGiB: number;
  readonly node: string;
  /** 1-minute load average when the run started: how busy the shared machine was. */
  readonly loadAverage: number;
}

export function machineInfo(): MachineInfo {
  const processors = cpus();
  const gib = (bytes: number) => Math.round((bytes / 1024 ** 3) * 10) / 10;
  return {
    os: `${type()} ${release()}`,
    cpuModel: processors[0]?.model.trim() ?? "unknown",
    cpuCount: processors.length,
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    node: process.version,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
