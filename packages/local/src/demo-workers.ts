/**
 * The demo seed of `pnpm start --demo`: a few workers in the two demo regions,
 * created through the GraphQL API like any client would. Idempotency keys make
 * a second `--demo` start a no-op.
 */
const DEMO_WORKERS = [
  { name: "ccna-lab-1", region: "us-east-1" },
  { name: "ccna-lab-2", region: "us-east-1" },
  { name: "ccnp-enarsi", region: "us-west-2" },
  { name: "devnet-sandbox", region: "us-west-2" },
] as const;

const CREATE_WORKER = `mutation Demo($input: CreateWorkerInput!) {
  createWorker(input: $input) { worker { id name } }
}`;

export async function seedDemoWorkers(graphqlUrl: string, token: string): Promise<string[]> {
  const names: string[] = [];
  for (const worker of DEMO_WORKERS) {
    const response = await fetch(graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: CREATE_WORKER,
        variables: {
          input: { ...worker, idempotencyKey: `demo-${worker.name}`, tags: [{ key: "demo", value: "true" }] },
        },
      }),
    });
    const body = (await response.json()) as { errors?: { message: string }[] };
    if (body.errors !== undefined && body.errors.length > 0) {
      throw new Error(`demo worker ${worker.name}: ${body.errors.map((error) => error.message).join("; ")}`);
    }
    names.push(worker.name);
  }
  return names;
}
