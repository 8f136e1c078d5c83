import type { SimInstance } from "../state/instance";
import type { Ec2Action } from "./ec2-action";
import { indexableTagFilter, instanceFilter } from "./instance-filters";
import { decodeNextToken, lookupInstances, readMaxResults, takePage } from "./instance-lookup";
import { reservationXml } from "./instance-xml";
import { readFilters } from "./query-params";
import { el, itemSet } from "./xml";

export const describeInstances: Ec2Action = (params, region, state) => {
  const ids = params.list("InstanceId");
  const maxResults = readMaxResults(params, ids.length > 0);
  const filters = readFilters(params);
  const matches = instanceFilter(filters);
  let page: SimInstance[];
  let nextToken: string | undefined;
  if (ids.length > 0) {
    page = lookupInstances(state, region, ids)
      .filter(matches)
      .sort((a, b) => a.seq - b.seq);
  } else {
    const afterSeq = decodeNextToken(params.string("NextToken"));
    const tagFilter = indexableTagFilter(filters);
    const candidates = tagFilter
      ? state.store
          .withTag(region, tagFilter.key, tagFilter.values)
          .filter((instance) => instance.seq > afterSeq)
      : state.store.inRegion(region, afterSeq);
    ({ page, nextToken } = takePage(candidates, matches, maxResults));
  }
  return [
    itemSet("reservationSet", groupByReservation(page), (group) =>
      reservationXml(group.reservationId, group.ownerId, group.instances),
    ),
    nextToken ? el("nextToken", nextToken) : null,
  ];
};

interface ReservationGroup {
  readonly reservationId: string;
  readonly ownerId: string;
  readonly instances: SimInstance[];
}

/** Consecutive instances of one reservation share a `reservationSet` item, as on EC2. */
function groupByReservation(instances: readonly SimInstance[]): ReservationGroup[] {
  const groups: ReservationGroup[] = [];
  for (const instance of instances) {
    const last = groups[groups.length - 1];
    if (last && last.reservationId === instance.reservationId) {
      last.instances.push(instance);
    } else {
      groups.push({
        reservationId: instance.reservationId,
        ownerId: instance.ownerId,
        instances: [instance],
      });
    }
  }
  return groups;
}
