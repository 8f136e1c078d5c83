import { checkText } from "@cml-fleet/core/domain/input-text";
import type { ApiToken } from "@cml-fleet/platform/repositories/api-token.repository";
import type { CreatedApiToken } from "../../services/api-token.service";
import { builder } from "../builder";
import { RoleEnum } from "./enums";

const ApiTokenRef = builder.objectRef<ApiToken>("ApiToken").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    role: t.expose("role", { type: RoleEnum }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    lastUsedAt: t.expose("lastUsedAt", { type: "DateTime", nullable: true }),
    revoked: t.boolean({ resolve: (token) => token.revokedAt !== null }),
  }),
});

const CreatedApiTokenRef = builder.objectRef<CreatedApiToken>("CreatedApiToken").implement({
  fields: (t) => ({
    token: t.exposeString("token", { description: "The secret. Shown this once; only its hash is kept." }),
    apiToken: t.field({ type: ApiTokenRef, resolve: (created) => created.apiToken }),
  }),
});

const ViewerRef = builder.objectRef<{ name: string; role: ApiToken["role"] }>("Viewer").implement({
  description: "Who the credential of this request belongs to.",
  fields: (t) => ({
    name: t.exposeString("name"),
    role: t.expose("role", { type: RoleEnum }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: ViewerRef,
    authScopes: { role: "VIEWER", user: "read" },
    resolve: (_root, _args, context) => context.access.require("viewer"),
  }),
  apiTokens: t.field({
    type: [ApiTokenRef],
    authScopes: { role: "ADMIN" },
    resolve: (_root, _args, context) => context.services.apiTokens.list(),
  }),
}));

builder.mutationFields((t) => ({
  createApiToken: t.field({
    type: CreatedApiTokenRef,
    authScopes: { role: "ADMIN" },
    args: { name: t.arg.string({ required: true }), role: t.arg({ type: RoleEnum, required: true }) },
    resolve: (_root, args, context) =>
      context.services.apiTokens.create(
        context.access.require("createApiToken"),
        // Surrounding spaces are trimmed by the service, as they always were.
        checkText("tokenName", "name", args.name.trim()),
        args.role,
      ),
  }),
  revokeApiToken: t.field({
    type: ApiTokenRef,
    authScopes: { role: "ADMIN" },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.apiTokens.revoke(
        context.access.require("revokeApiToken"),
        checkText("apiTokenId", "id", args.id),
      ),
  }),
}));
