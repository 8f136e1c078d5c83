import { json } from "../../http/http-types";
import { type CmlRoute, cmlError } from "./route-context";

function credentials(body: string): { username: string; password: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "username" in parsed && "password" in parsed) {
      const { username, password } = parsed;
      if (typeof username === "string" && typeof password === "string") {
        return { username, password };
      }
    }
  } catch {
    // falls through to the 400 below
  }
  return undefined;
}

const signIn: (mode: "plain" | "extended") => CmlRoute =
  (mode) =>
  (request, { controller, service }) => {
    const given = credentials(request.body);
    if (!given) {
      return cmlError(400, 'Request body must be {"username": ..., "password": ...}.');
    }
    const { settings } = service;
    if (given.username !== settings.username || given.password !== settings.password) {
      return cmlError(403, "Authentication failed!");
    }
    const now = service.state.now();
    const token = controller.issueToken(given.username, now, settings.tokenTtlMs);
    controller.appendEvent("user_activity", controller.serviceUserId, now);
    if (mode === "plain") {
      return json(200, token);
    }
    return json(200, { username: given.username, id: controller.serviceUserId, token, admin: true });
  };

export const authenticate = signIn("plain");
export const authExtended = signIn("extended");
