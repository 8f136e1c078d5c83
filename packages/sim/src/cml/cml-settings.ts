export interface CmlSettings {
  readonly port: number;
  readonly readyDelayMs: number;
  readonly username: string;
  readonly password: string;
  readonly tokenTtlMs: number;
  readonly licenseRegistrationDelayMs: number;
}
