import { ValidationError } from "../errors";
import { rejectUnsafeCharacters } from "./input-text";

/** What the account check reads of the fleet's settings; `Settings` satisfies it. */
export interface AccountSettings {
  readonly aws: {
    readonly defaultAccount: string;
    readonly accounts: Readonly<Record<string, unknown>>;
  };
}

/** Longer than any account key a deployment writes (12 digits, or a short name such as `default`). */
const MAX_ACCOUNT_KEY_LENGTH = 64;

/**
 * The configured accounts a request may name: the keys of `aws_accounts`
 * plus the default (which settings require to be one of them; listed anyway
 * so the fleet never refuses the account it uses itself).
 */
export function configuredAccounts(settings: AccountSettings): string[] {
  return [...new Set([settings.aws.defaultAccount, ...Object.keys(settings.aws.accounts)])].sort();
}

/**
 * The account a request names, when it is one of the configured accounts;
 * the default account when it names none. An unknown account is
 * BAD_USER_INPUT listing the ones that exist (the value itself is not
 * repeated: it may be what is hostile).
 */
export function validateAccountId(
  settings: AccountSettings,
  accountId: string | null | undefined,
  field = "accountId",
): string {
  if (accountId === null || accountId === undefined) {
    return settings.aws.defaultAccount;
  }
  rejectUnsafeCharacters(field, accountId);
  const known = configuredAccounts(settings);
  if (accountId.length > MAX_ACCOUNT_KEY_LENGTH || !known.includes(accountId)) {
    throw new ValidationError(
      field,
      `must be one of the configured accounts (AWS_ACCOUNTS): ${known.join(", ")}`,
    );
  }
  return accountId;
}
