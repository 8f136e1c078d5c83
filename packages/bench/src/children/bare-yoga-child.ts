import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createSchema, createYoga } from "graphql-yoga";
import { failStartup, send, serveRunner } from "../harness/child-side";

/** The reference: graphql-yoga with a one-field schema, nothing else, on the same machine. */
async function main(): Promise<void> {
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: "type Query { hello: String! }",
      resolvers: { Query: { hello: () => "world" } },
    }),
    logging: false,
    landingPage: false,
    graphiql: false,
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  serveRunner(
    async () => null,
    async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  );
  send({ type: "ready", url: `http://127.0.0.1:${port}/graphql` });
}

main().catch(failStartup);
