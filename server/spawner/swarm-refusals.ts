import { dockerMessage, statusOf } from './docker-client';
import { SpawnFailed } from './docker-spawner';

/**
 * What a Swarm engine's refusals mean for the person who asked for an app. Every answer the
 * engine gives with an error status becomes a SpawnFailed with a code and a message that says
 * what to do: a restart's start overlaps with the old app's teardown (its task, its overlay, the
 * hub leaving it) and a loaded manager answers 5xx for a while, so most refusals are passing and
 * are said to be.
 */

/** How long a start waits before asking again after a passing refusal. */
export const RETRY_PAUSE_MS = 500;

/** How many tasks a start makes at most when Swarm fails them before the app ever ran. */
export const TASK_ATTEMPTS = 3;

/**
 * Task errors that come from the app's spec (a bind source or image missing on the node), not
 * from the cluster: a bad request whichever state Swarm reports them in. A loaded node has been
 * seen to report a missing bind source as `failed` instead of `rejected`.
 */
const SPEC_FAULT = /bind source path does not exist|invalid mount config|no such image/i;

/** The executor's words for a container that ran and exited with a status (the app's own end). */
const APP_EXIT = /non-zero exit/i;

/**
 * Whose fault a task that ended before running was: the app's spec (`spec`, a 400), the app
 * itself (`app`: it ran and exited, or finished), or the cluster (`cluster`: a network sandbox
 * join that failed, an attachment that timed out, a task shut down under it), which a new task
 * may not meet.
 */
export function taskFault(state: string, reason: string): 'spec' | 'app' | 'cluster' {
  if (SPEC_FAULT.test(reason)) return 'spec';
  if (state === 'complete' || APP_EXIT.test(reason)) return 'app';
  return 'cluster';
}

/** A task of the start ended before the app ran; `fault` says whose fault (taskFault). */
export class TaskNotRun extends SpawnFailed {
  constructor(
    readonly state: string,
    readonly reason: string,
    readonly fault: 'spec' | 'app' | 'cluster',
    logs: string,
    serviceName: string,
  ) {
    super(
      fault === 'cluster'
        ? `Swarm could not run the app's task (task ${state}: ${reason}); this is usually passing, so start it again; if it persists, \`docker service ps --no-trunc ${serviceName}\` on a manager says more${logs}`
        : `Swarm could not run the app: task ${state}: ${reason}${logs}`,
      fault === 'spec' ? 400 : fault === 'app' ? 502 : 503,
      'task_' + state,
    );
  }
}

/**
 * Refusals worth asking again within the start's time: the manager's own failures (5xx: a raft
 * proposal or a network attachment that timed out), a name still held by a service being
 * removed (409), a network not yet known to this node right after its creation (404).
 */
export function isPassingRefusal(err: unknown): boolean {
  const status = statusOf(err);
  return status !== undefined && (status >= 500 || status === 409 || status === 404);
}

/** An engine answer with an error status as the error the person who asked sees. */
export function engineRefusal(err: unknown): SpawnFailed {
  const status = statusOf(err) ?? 500;
  const msg = dockerMessage(err).slice(0, 300);
  if (status === 400)
    return new SpawnFailed(
      `Swarm refused the app's service (${msg}); an admin must correct the app's settings (image, volumes, limits)`,
      400,
      'swarm_refused',
    );
  if (status === 404)
    return new SpawnFailed(
      `something the start had made went away meanwhile (${msg}); if the app was not stopped while it started, start it again`,
      409,
      'swarm_gone',
    );
  if (status === 409)
    return new SpawnFailed(
      `Swarm is still busy with this app (${msg}); try again in a few seconds`,
      409,
      'swarm_conflict',
    );
  return new SpawnFailed(
    `the swarm manager failed (${msg}); this is usually passing, so try again; if it persists, the Docker engine's log on the manager says why`,
    503,
    'swarm_error',
  );
}
