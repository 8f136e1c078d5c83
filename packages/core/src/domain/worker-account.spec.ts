import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors";
import { configuredAccounts, validateAccountId } from "./worker-account";

const settings = { aws: { defaultAccount: "default", accounts: { default: {}, "222222222222": {} } } };

describe("validateAccountId", () => {
  it("names the default account when the request names none", () => {
    expect(validateAccountId(settings, undefined)).toBe("default");
    expect(validateAccountId(settings, null)).toBe("default");
  });

  it("accepts a configured account", () => {
    expect(validateAccountId(settings, "222222222222")).toBe("222222222222");
  });

  it("refuses any other text, listing the configured accounts and never repeating the value", () => {
    for (const value of ["333333333333", "", "default ", "DEFAULT", "222222222222\u0000", "x".repeat(100)]) {
      const attempt = () => validateAccountId(settings, value, "input.accountId");
      expect(attempt).toThrow(ValidationError);
    }
    expect(() => validateAccountId(settings, "<script>", "input.accountId")).toThrow(
      /configured accounts \(AWS_ACCOUNTS\): 222222222222, default$/,
    );
  });

  it("lists the default account even when the map leaves it out", () => {
    expect(configuredAccounts({ aws: { defaultAccount: "main", accounts: { "111111111111": {} } } })).toEqual(
      ["111111111111", "main"],
    );
  });
});
