import type { ContainerState } from './spawner';

/** The parts of the engine's service and task objects the swarm spawner reads. */
export interface Service {
  ID: string;
  CreatedAt?: string;
  Spec?: {
    Name?: string;
    Labels?: Record<string, string>;
    TaskTemplate?: { ContainerSpec?: { Image?: string } };
  };
}

export interface Task {
  ID: string;
  ServiceID?: string;
  CreatedAt?: string;
  Status?: {
    Timestamp?: string;
    State?: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
  NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
}

/** The newest task of a service (restart policy none: normally the only one). */
export function latestTask(tasks: Task[]): Task | undefined {
  return [...tasks].sort((a, b) => (b.CreatedAt ?? '').localeCompare(a.CreatedAt ?? ''))[0];
}

/** Swarm's task states in the Spawner's vocabulary. */
export function taskState(task: Task | undefined): ContainerState {
  switch (task?.Status?.State) {
    case 'running':
      return 'running';
    case 'complete':
    case 'shutdown':
      return 'exited';
    case 'failed':
    case 'rejected':
    case 'orphaned':
      return 'dead';
    case 'remove':
      return 'removing';
    default:
      return 'created';
  }
}

/** Service logs come multiplexed (8-byte frame headers) when the task has no TTY. */
export function demuxLogs(raw: Buffer | string): string {
  if (typeof raw === 'string') return raw;
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= raw.length && raw[i] <= 2 && raw[i + 1] === 0) {
    const size = raw.readUInt32BE(i + 4);
    out.push(raw.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return out.length ? Buffer.concat(out).toString('utf8') : raw.toString('utf8');
}
