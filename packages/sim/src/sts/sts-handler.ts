import { randomBytes } from "node:crypto";
import { el, escapeXml, renderXml, type XmlNode } from "../ec2/xml";
import { callerAccount, sessionAccessKeyFor, signedService } from "../http/caller-account";
import type { HttpRequest, HttpResponse } from "../http/http-types";
import { newRequestId } from "../state/instance";

const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(\S+)$/;
/** Session credentials last an hour, as AssumeRole's default. */
const SESSION_MS = 60 * 60_000;

/**
 * STS over the awsQuery protocol, as much as the fleet uses: AssumeRole (the
 * session key it returns acts in the role's account: see caller-account.ts)
 * and GetCallerIdentity. No trust policy or ExternalId is checked.
 */
export function handleSts(
  request: HttpRequest,
  deps: { readonly defaultAccountId: string; readonly now: () => number },
): HttpResponse {
  const requestId = newRequestId();
  const params = new URLSearchParams(request.body);
  const action = params.get("Action") ?? "";
  const caller = callerAccount(request.headers, deps.defaultAccountId);
  if (action === "GetCallerIdentity") {
    return stsResponse(action, requestId, [
      el("UserId", "AIDASIMULATED"),
      el("Account", caller),
      el("Arn", `arn:aws:iam::${caller}:user/sim`),
    ]);
  }
  if (action === "AssumeRole") {
    const roleArn = params.get("RoleArn") ?? "";
    const role = ROLE_ARN.exec(roleArn);
    const sessionName = params.get("RoleSessionName") ?? "";
    if (role === null || sessionName === "") {
      return stsError(
        "ValidationError",
        "RoleArn must be an IAM role ARN and RoleSessionName is required",
        requestId,
      );
    }
    const [, accountId = "", roleName = ""] = role;
    return stsResponse(action, requestId, [
      el(
        "Credentials",
        el("AccessKeyId", sessionAccessKeyFor(accountId)),
        el("SecretAccessKey", randomBytes(20).toString("base64")),
        el("SessionToken", randomBytes(32).toString("base64")),
        el("Expiration", new Date(deps.now() + SESSION_MS).toISOString()),
      ),
      el(
        "AssumedRoleUser",
        el("Arn", `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`),
        el("AssumedRoleId", `AROASIMULATED:${sessionName}`),
      ),
    ]);
  }
  return stsError("InvalidAction", `Could not find operation ${action} for version 2011-06-15`, requestId);
}

function stsResponse(action: string, requestId: string, result: XmlNode[]): HttpResponse {
  const body = renderXml(
    el(
      `${action}Response`,
      el(`${action}Result`, ...result),
      el("ResponseMetadata", el("RequestId", requestId)),
    ),
  )
    .join("")
    .replace(`<${action}Response>`, `<${action}Response xmlns="${STS_NAMESPACE}">`);
  return { status: 200, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId }, body };
}

function stsError(code: string, message: string, requestId: string): HttpResponse {
  const body =
    `<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status: 400, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId }, body };
}

/** An STS call: signed for the `sts` service (the SDK's STS client), or one of its actions unsigned. */
export function isStsRequest(request: HttpRequest): boolean {
  const service = signedService(request.headers);
  if (service !== null) {
    return service === "sts";
  }
  const action = new URLSearchParams(request.body).get("Action");
  return action === "AssumeRole" || action === "GetCallerIdentity";
}
