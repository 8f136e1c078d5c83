export interface CmlSettings {
  readonly readyDelayMs: number;
  readonly username: string;
  readonly password: string;
  readonly tokenTtlMs: number;
  readonly licenseRegistrationDelayMs: number;
}
