import { describe, expect, it } from "vitest";
import { canSeeOwner, isUserOperation, ownerScopeOf, RANKED_ROLES, roleAllows, userMay } from "./role";

describe("roles", () => {
  it("ranks VIEWER < OPERATOR < ADMIN, each allowed what the one below is", () => {
    expect(roleAllows("ADMIN", "OPERATOR")).toBe(true);
    expect(roleAllows("OPERATOR", "OPERATOR")).toBe(true);
    expect(roleAllows("OPERATOR", "ADMIN")).toBe(false);
    expect(roleAllows("VIEWER", "OPERATOR")).toBe(false);
  });

  it("a USER meets no ranked requirement, not even VIEWER's", () => {
    for (const required of RANKED_ROLES) {
      expect(roleAllows("USER", required)).toBe(false);
    }
  });

  it("a USER may read and run its four operations, nothing else; no ranked role has a USER grant", () => {
    for (const grant of ["read", "startWorker", "stopWorker", "keepAlive", "snapshotWorker"]) {
      expect(userMay("USER", grant)).toBe(true);
    }
    for (const grant of [
      "terminateWorker",
      "createApiToken",
      "setWorkerTags",
      "refreshWorker",
      "createWorker",
    ]) {
      expect(userMay("USER", grant)).toBe(false);
      expect(isUserOperation(grant)).toBe(false);
    }
    expect(userMay("ADMIN", "read")).toBe(false);
  });

  it("narrows a USER's reads to its own name, and a ranked role's to nothing", () => {
    expect(ownerScopeOf({ role: "USER", name: "alice" })).toEqual(["alice"]);
    expect(ownerScopeOf({ role: "USER", name: "alice", groups: ["lab-a"] })).toEqual([
      "alice",
      "group:lab-a",
    ]);
    expect(canSeeOwner({ role: "USER", name: "alice", groups: ["lab-a"] }, "group:lab-a")).toBe(true);
    expect(canSeeOwner({ role: "USER", name: "alice", groups: ["lab-a"] }, "group:lab-b")).toBe(false);
    expect(ownerScopeOf({ role: "VIEWER", name: "alice" })).toBeNull();
    expect(canSeeOwner({ role: "USER", name: "alice" }, "alice")).toBe(true);
    expect(canSeeOwner({ role: "USER", name: "alice" }, "bob")).toBe(false);
    expect(canSeeOwner({ role: "USER", name: "alice" }, null)).toBe(false);
    expect(canSeeOwner({ role: "VIEWER", name: "v" }, null)).toBe(true);
  });
});
