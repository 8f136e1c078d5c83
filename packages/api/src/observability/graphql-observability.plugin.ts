import { isFleetError } from "@cml-fleet/core/errors";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { FleetMetrics } from "@cml-fleet/platform/observability/fleet-metrics";
import { withLogContext } from "@cml-fleet/platform/observability/log-context";
import {
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { type DocumentNode, GraphQLError, getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import { createOperationNameLabel } from "./operation-name-label";

export interface GraphqlObservabilityDeps {
  readonly metrics: Pick<
    FleetMetrics,
    | "httpRequests"
    | "httpRequestDuration"
    | "graphqlOperations"
    | "graphqlOperationDuration"
    | "graphqlErrors"
  >;
  readonly tracer: Tracer;
  /** Distinct operation names kept as label values; later ones are reported as `other`. */
  readonly maxOperationNames?: number | undefined;
}

interface OperationLabels {
  readonly operation_type: string;
  readonly operation_name: string;
}

/** What the plugin reads from the GraphQL context when the fleet's context factory built it. */
interface OperationContext {
  readonly requestId: string;
  readonly logger: Logger;
}

function isOperationContext(value: unknown): value is OperationContext {
  return typeof value === "object" && value !== null && "requestId" in value && "logger" in value;
}

/** The contract's code of an error in a result, before or after the error mapping has run. */
export function errorCodeOf(error: GraphQLError): string {
  const code = error.extensions?.code;
  if (typeof code === "string") {
    return code;
  }
  const original = error.originalError;
  if (isFleetError(original)) {
    return original.code;
  }
  return original === undefined || original instanceof GraphQLError
    ? "GRAPHQL_ERROR"
    : "INTERNAL_SERVER_ERROR";
}

interface HeaderSource {
  get(name: string): string | null;
}

/** W3C trace context and baggage read headers by name only. */
const headerGetter: TextMapGetter<HeaderSource> = {
  keys: () => [],
  get: (headers, key) => headers.get(key) ?? undefined,
};

function isHeaderSource(value: unknown): value is HeaderSource {
  return typeof value === "object" && value !== null && "get" in value && typeof value.get === "function";
}

/**
 * A caller's `traceparent` continues its trace; graphql-ws operations (no
 * request headers) start their own. Yoga's Request is the fetch ponyfill's,
 * not always Node's, hence the shape check rather than `instanceof`.
 */
function parentContextOf(contextValue: unknown): Context {
  if (
    typeof contextValue === "object" &&
    contextValue !== null &&
    "request" in contextValue &&
    typeof contextValue.request === "object" &&
    contextValue.request !== null &&
    "headers" in contextValue.request &&
    isHeaderSource(contextValue.request.headers)
  ) {
    return propagation.extract(context.active(), contextValue.request.headers, headerGetter);
  }
  return context.active();
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/**
 * Metrics, a span and a log line per GraphQL operation, and a count and
 * duration per HTTP request. The envelop hooks also run for graphql-ws, whose
 * operations go through the same envelop; the HTTP hooks only for HTTP.
 */
export function useGraphqlObservability(deps: GraphqlObservabilityDeps): Plugin {
  const { metrics, tracer } = deps;
  const operationName = createOperationNameLabel(deps.maxOperationNames ?? 100);
  const requestStarts = new WeakMap<Request, number>();

  const labelsOf = (document: DocumentNode, name: string | null | undefined): OperationLabels => {
    const operation = getOperationAST(document, name);
    return {
      operation_type: operation?.operation ?? "unknown",
      operation_name: operationName(operation?.name?.value ?? name ?? undefined),
    };
  };

  const startSpan = (labels: OperationLabels, contextValue: unknown): Span =>
    tracer.startSpan(
      `graphql.${labels.operation_type} ${labels.operation_name}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "graphql.operation.type": labels.operation_type,
          "graphql.operation.name": labels.operation_name,
          ...(isOperationContext(contextValue) ? { "cml_fleet.request_id": contextValue.requestId } : {}),
        },
      },
      parentContextOf(contextValue),
    );

  const finish = (
    labels: OperationLabels,
    span: Span,
    contextValue: unknown,
    errors: readonly GraphQLError[],
    durationMs: number | null,
  ): void => {
    const codes = errors.map(errorCodeOf);
    const outcome = codes.length === 0 ? "ok" : "error";
    metrics.graphqlOperations.inc({ ...labels, outcome });
    for (const code of codes) {
      metrics.graphqlErrors.inc({ ...labels, code });
    }
    if (durationMs !== null) {
      metrics.graphqlOperationDuration.observe(labels, durationMs / 1000);
    }
    if (codes.length > 0) {
      span.setAttribute("cml_fleet.graphql.error_codes", [...new Set(codes)]);
      span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(", ") });
    }
    if (isOperationContext(contextValue)) {
      const entry = {
        operationType: labels.operation_type,
        operationName: labels.operation_name,
        outcome,
        ...(durationMs === null ? {} : { durationMs: Math.round(durationMs) }),
        ...(codes.length === 0 ? {} : { errorCodes: codes }),
      };
      // Queries are polled all day; mutations and failures are what an operator looks for.
      const level = outcome === "error" || labels.operation_type === "mutation" ? "info" : "debug";
      // Logged in the operation's span, so the line carries its trace id.
      context.with(trace.setSpan(context.active(), span), () =>
        contextValue.logger[level](entry, "graphql operation"),
      );
    }
    span.end();
  };

  return {
    onRequest({ request }) {
      requestStarts.set(request, performance.now());
    },
    onResponse({ request, response }) {
      const started = requestStarts.get(request);
      const labels = { method: request.method, status: String(response.status) };
      metrics.httpRequests.inc(labels);
      if (started !== undefined) {
        metrics.httpRequestDuration.observe(labels, (performance.now() - started) / 1000);
      }
    },
    onValidate({ params }) {
      return ({ valid, result }) => {
        if (!valid) {
          const labels = labelsOf(params.documentAST, undefined);
          metrics.graphqlOperations.inc({ ...labels, outcome: "invalid" });
          metrics.graphqlErrors.inc({ ...labels, code: "GRAPHQL_VALIDATION_FAILED" }, result.length);
        }
      };
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const labels = labelsOf(args.document, args.operationName);
      const span = startSpan(labels, args.contextValue);
      const started = performance.now();
      // Resolvers run inside the span, so the AWS and CML calls they make become its children, and in
      // the request's log context, so the services they call log the request id too.
      const spanContext = trace.setSpan(context.active(), span);
      const logBindings: Record<string, string> = isOperationContext(args.contextValue)
        ? { requestId: args.contextValue.requestId }
        : {};
      setExecuteFn((executionArgs) =>
        withLogContext(logBindings, () => context.with(spanContext, () => executeFn(executionArgs))),
      );
      return {
        onExecuteDone({ result }) {
          if (!isAsyncIterable(result)) {
            finish(labels, span, args.contextValue, result.errors ?? [], performance.now() - started);
            return;
          }
          const errors: GraphQLError[] = [];
          return {
            onNext({ result: part }) {
              errors.push(...("errors" in part && part.errors !== undefined ? part.errors : []));
            },
            onEnd() {
              finish(labels, span, args.contextValue, errors, performance.now() - started);
            },
          };
        },
      };
    },
    onSubscribe({ args }) {
      const labels = labelsOf(args.document, args.operationName);
      const span = startSpan(labels, args.contextValue);
      return {
        // A subscription lives as long as its client: count and trace its setup, not its lifetime.
        onSubscribeResult({ result }) {
          const errors = isAsyncIterable(result) ? [] : (result.errors ?? []);
          finish(labels, span, args.contextValue, errors, null);
        },
        onSubscribeError({ error }) {
          const errors = [
            error instanceof GraphQLError
              ? error
              : new GraphQLError("subscription setup failed", {
                  originalError: error instanceof Error ? error : undefined,
                }),
          ];
          finish(labels, span, args.contextValue, errors, null);
        },
      };
    },
  };
}
