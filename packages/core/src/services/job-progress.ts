/**
 * How a service reports how far an operation got (0..1) and the step in
 * progress; the job runner turns it into BullMQ progress and `jobUpdated`.
 */
export interface ProgressReporter {
  report(progress: number, step: string): Promise<void>;
}
