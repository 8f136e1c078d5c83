import { throwIfPastJobDeadline } from "@cml-fleet/core/services/poll";

/**
 * The same port, but each call first checks the bound of the job it runs in
 * (CML_JOB_TIMEOUT, CML_PROVISIONING_TIMEOUT): a job past it makes no further
 * cloud or CML call and no further write. Outside a job (final-failure
 * handling, which must still record the failure) the check passes.
 */
export function guardedByJobDeadline<T extends object>(port: T): T {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") {
        return value;
      }
      return (...args: unknown[]): unknown => {
        throwIfPastJobDeadline();
        return Reflect.apply(value, target, args);
      };
    },
  });
}
