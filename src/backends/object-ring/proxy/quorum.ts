// Swift's quorum rules: a majority of the replicas must agree for a write to succeed, and
// the answer the client sees is the status class that reached the quorum.

export function quorumSize(replicas: number): number {
  return Math.floor(replicas / 2) + 1;
}

/**
 * The status to answer from a set of backend statuses (0 = no answer): success if a quorum
 * succeeded, else the first client error a quorum agrees on, else 503.
 */
export function bestStatus(statuses: number[], replicas: number): number {
  const quorum = quorumSize(replicas);
  const success = statuses.filter((s) => s >= 200 && s < 300);
  if (success.length >= quorum) return success.sort((a, b) => a - b)[0];
  for (const code of [404, 409, 412, 422, 499, 400, 416]) {
    if (statuses.filter((s) => s === code).length >= quorum) return code;
  }
  // successes plus 404s from replicas that missed the object (a DELETE whose tombstones were
  // written everywhere reachable): the object existed, so the delete succeeded
  if (success.length > 0 && success.length + statuses.filter((s) => s === 404).length >= quorum) return success[0];
  return 503;
}
