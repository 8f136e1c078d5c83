import { json, noContent } from "../../http/http-types";
import { cmlTimestamp } from "../cml-controller";
import { type CmlRoute, cmlError } from "./route-context";

export const labIds: CmlRoute = (_request, { controller }) => json(200, [...controller.labs.keys()]);

export const labDetail: CmlRoute = (_request, { controller }, { id = "" }) => {
  const lab = controller.labs.get(id);
  if (!lab) {
    return cmlError(404, `Lab not found: ${id}`);
  }
  return json(200, {
    id: lab.id,
    lab_title: lab.title,
    lab_description: "",
    state: lab.state,
    owner: controller.studentUserId,
    owner_username: "student",
    owner_fullname: "Simulated Student",
    node_count: lab.nodeCount,
    link_count: Math.max(0, lab.nodeCount - 1),
    created: lab.created,
    modified: lab.modified,
    groups: [],
  });
};

export const startLab: CmlRoute = (_request, { controller, service }, { id = "" }) => {
  const lab = controller.labs.get(id);
  if (!lab) {
    return cmlError(404, `Lab not found: ${id}`);
  }
  const now = service.state.now();
  if (lab.state !== "STARTED") {
    lab.state = "STARTED";
    lab.modified = cmlTimestamp(now);
    controller.runningNodes += lab.nodeCount;
    controller.appendEvent("start_lab", controller.serviceUserId, now, lab.id);
  }
  return noContent();
};

export const stopLab: CmlRoute = (_request, { controller, service }, { id = "" }) => {
  controller.stopLabCalls++;
  const lab = controller.labs.get(id);
  if (!lab) {
    return cmlError(404, `Lab not found: ${id}`);
  }
  const now = service.state.now();
  if (lab.state === "STARTED") {
    lab.state = "STOPPED";
    lab.modified = cmlTimestamp(now);
    // Nodes not accounted to a lab (set through the control API) stop with the last started lab.
    controller.runningNodes =
      controller.startedLabs() === 0 ? 0 : Math.max(0, controller.runningNodes - lab.nodeCount);
    controller.appendEvent("stop_lab", controller.serviceUserId, now, lab.id);
  }
  return noContent();
};
