import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, dataOf, gql } from "./support/graphql-client";
import { startNotifyTestProcessor } from "./support/notify-test-processor";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("notification-channels", {
  env: { NOTIFY_ALLOW_HTTP: "true", NOTIFY_DELIVERY_TIMEOUT: "500ms" },
});

const CHANNEL_FIELDS = "id name url format events enabled lastDeliveryAt lastError";
const CREATE = `mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { ${CHANNEL_FIELDS} } }`;
const LIST = `{ notificationChannels { ${CHANNEL_FIELDS} } }`;
const TEST = "mutation($id: ID!) { testNotificationChannel(id: $id) }";
const DELETE = "mutation($id: ID!) { deleteNotificationChannel(id: $id) }";

interface ChannelJson {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly format: string;
  readonly events: string[];
  readonly enabled: boolean;
  readonly lastDeliveryAt: string | null;
  readonly lastError: string | null;
}

const received: { url: string | undefined; headers: IncomingHttpHeaders; body: string }[] = [];
let receiverUrl = "";
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    received.push({
      url: request.url,
      headers: request.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    if (request.url === "/redirect") {
      response.writeHead(307, { location: "/followed" }).end();
      return;
    }
    if (request.url === "/hang") {
      // Never answers: the sender's NOTIFY_DELIVERY_TIMEOUT ends the wait.
      return;
    }
    response.writeHead(request.url === "/refuse" ? 410 : 204).end();
  });
});
let processor: { close(): Promise<void> } | null = null;
beforeAll(async () => {
  processor = startNotifyTestProcessor(fleet);
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await processor?.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

function create(input: Record<string, unknown>, token = fleet.tokens.ADMIN) {
  return gql<{ createNotificationChannel: ChannelJson }>(api.url, CREATE, { token, variables: { input } });
}

async function channels(): Promise<ChannelJson[]> {
  return dataOf(
    await gql<{ notificationChannels: ChannelJson[] }>(api.url, LIST, { token: fleet.tokens.ADMIN }),
  ).notificationChannels;
}

/**
 * Creates a channel to the receiver's `path`, tests it (the test must answer
 * false), deletes it, and answers the channel and the error it had kept.
 */
async function failedTest(name: string, path: string) {
  const channel = dataOf(await create({ name, url: `${receiverUrl}${path}` })).createNotificationChannel;
  expect(
    dataOf(await gql(api.url, TEST, { token: fleet.tokens.ADMIN, variables: { id: channel.id } })),
  ).toEqual({ testNotificationChannel: false });
  const lastError = (await channels()).find((found) => found.id === channel.id)?.lastError;
  await gql(api.url, DELETE, { token: fleet.tokens.ADMIN, variables: { id: channel.id } });
  return { channel, lastError };
}

describe("notification channels through GraphQL", () => {
  it("creates a channel an ADMIN lists without its secret, tests it (signed, 2xx) and deletes it, each audited", async () => {
    const created = dataOf(
      await create({
        name: "ops",
        url: `${receiverUrl}/hook`,
        format: "JSON",
        events: ["worker.idle_warning", "worker.auto_stopped"],
        secret: "a-very-secret-secret",
      }),
    ).createNotificationChannel;
    expect(created).toMatchObject({
      name: "ops",
      format: "JSON",
      events: ["worker.idle_warning", "worker.auto_stopped"],
      enabled: true,
      lastDeliveryAt: null,
      lastError: null,
    });
    const listed = await channels();
    expect(listed).toEqual([created]);
    expect(JSON.stringify(listed)).not.toContain("a-very-secret-secret");
    const secretField = await gql(api.url, "{ notificationChannels { secret } }", {
      token: fleet.tokens.ADMIN,
    });
    expect(codes(secretField)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);

    expect(
      dataOf(await gql(api.url, TEST, { token: fleet.tokens.ADMIN, variables: { id: created.id } })),
    ).toEqual({
      testNotificationChannel: true,
    });
    const test = received.at(-1);
    expect(test?.headers["x-cml-fleet-event"]).toBe("notification.test");
    expect(test?.headers["x-cml-fleet-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(test?.headers["x-cml-fleet-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(test?.body ?? "{}")).toMatchObject({ type: "notification.test", workerId: null });
    expect((await channels())[0]?.lastDeliveryAt).not.toBeNull();

    expect(
      dataOf(await gql(api.url, DELETE, { token: fleet.tokens.ADMIN, variables: { id: created.id } })),
    ).toEqual({ deleteNotificationChannel: true });
    expect(await channels()).toEqual([]);

    const audit = await createAuditRepository(fleet.db.db).read({ first: 50 });
    const operations = audit.map((entry) => entry.operation);
    expect(operations).toEqual(
      expect.arrayContaining([
        "createNotificationChannel",
        "testNotificationChannel",
        "deleteNotificationChannel",
      ]),
    );
    expect(JSON.stringify(audit)).not.toContain("a-very-secret-secret");
    expect(audit.find((entry) => entry.operation === "createNotificationChannel")?.arguments).toMatchObject({
      signed: true,
    });
  });

  it("answers false, and keeps the error, when the receiver refuses the test", async () => {
    const { channel, lastError } = await failedTest("gone", "/refuse");
    expect(channel.events).toEqual([]);
    expect(lastError).toMatch(/HTTP 410/);
  });

  it("does not follow a redirect: the delivery fails, naming it", async () => {
    const { lastError } = await failedTest("bounces", "/redirect");
    expect(lastError).toMatch(/HTTP 307 \(redirects are not followed\)/);
    expect(received.map((request) => request.url)).not.toContain("/followed");
  });

  it("gives up on a receiver that does not answer within NOTIFY_DELIVERY_TIMEOUT", async () => {
    const { lastError } = await failedTest("hangs", "/hang");
    expect(lastError).toBe("no answer within 500 ms");
  });

  it.each([
    ["credentials in the URL", { name: "a", url: "https://user:pw@hooks.example.com/x" }, /input\.url/],
    ["a non-http scheme", { name: "a", url: "file:///etc/passwd" }, /input\.url/],
    ["a control character", { name: "a", url: "https://hooks.example.com/\u0000" }, /url/],
    ["an overlong URL", { name: "a", url: `https://hooks.example.com/${"a".repeat(3000)}` }, /input\.url/],
    [
      "an unknown event type",
      { name: "a", url: "https://h.example/x", events: ["worker.nope"] },
      /events\[0\]/,
    ],
    ["a bad name", { name: "", url: "https://h.example/x" }, /input\.name/],
    ["a short secret", { name: "a", url: "https://h.example/x", secret: "abc" }, /input\.secret/],
  ])("refuses %s with BAD_USER_INPUT and stores nothing", async (_what, input, field) => {
    const response = await create(input);
    expect(codes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors[0]?.message).toMatch(field);
    expect(await channels()).toEqual([]);
  });

  it("refuses a second channel of the same name", async () => {
    const first = dataOf(
      await create({ name: "twice", url: "https://h.example/1" }),
    ).createNotificationChannel;
    expect(codes(await create({ name: "twice", url: "https://h.example/2" }))).toEqual(["CONFLICT"]);
    await gql(api.url, DELETE, { token: fleet.tokens.ADMIN, variables: { id: first.id } });
  });

  it("is for ADMINs only", async () => {
    expect(codes(await create({ name: "op", url: "https://h.example/x" }, fleet.tokens.OPERATOR))).toEqual([
      "FORBIDDEN",
    ]);
    expect(codes(await gql(api.url, LIST, { token: fleet.tokens.VIEWER }))).toEqual(["FORBIDDEN"]);
    expect(await channels()).toEqual([]);
  });
});

describe("notification channels without NOTIFY_ALLOW_HTTP", () => {
  const plain = useTestFleet("notification-channels-https", {
    env: { CLOUD_PROVIDER: "sim", NOTIFY_ALLOW_HTTP: "false" },
  });

  it("refuses an http:// URL and takes an https:// one", async () => {
    const refused = await gql(plain.api.url, CREATE, {
      token: plain.fleet.tokens.ADMIN,
      variables: { input: { name: "plain", url: "http://hooks.example.com/x" } },
    });
    expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.errors[0]?.message).toMatch(/must be an https:\/\/ URL/);
    const taken = await gql(plain.api.url, CREATE, {
      token: plain.fleet.tokens.ADMIN,
      variables: { input: { name: "tls", url: "https://hooks.example.com/x", format: "SLACK" } },
    });
    expect(dataOf(taken)).toMatchObject({ createNotificationChannel: { name: "tls", format: "SLACK" } });
  });
});
