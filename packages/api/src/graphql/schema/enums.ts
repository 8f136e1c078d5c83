import { JOB_STATES } from "@cml-fleet/core/domain/job";
import { ROLES } from "@cml-fleet/core/domain/role";
import { LICENSE_STATUSES, SERVICE_STATUSES, WORKER_STATUSES } from "@cml-fleet/core/domain/worker-status";
import { builder } from "../builder";

export const WorkerStatusEnum = builder.enumType("WorkerStatus", { values: WORKER_STATUSES });
export const ServiceStatusEnum = builder.enumType("ServiceStatus", { values: SERVICE_STATUSES });
export const LicenseStatusEnum = builder.enumType("LicenseStatus", { values: LICENSE_STATUSES });
export const JobStateEnum = builder.enumType("JobState", { values: JOB_STATES });
export const RoleEnum = builder.enumType("Role", { values: ROLES });
