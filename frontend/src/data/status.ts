/** How a container status is shown: a word and a tone the badge colours by. */
export interface StatusView {
  label: string;
  tone: 'ok' | 'busy' | 'bad' | 'idle';
}

/** Maps Docker's and the spawner's statuses to what a person reads on a badge. */
export function statusView(status: string | null | undefined): StatusView {
  switch (status) {
    case 'running':
    case 'ready':
      return { label: 'Running', tone: 'ok' };
    case 'created':
    case 'starting':
    case 'queued':
    case 'creating':
    case 'waiting':
    case 'restarting':
      return { label: 'Starting', tone: 'busy' };
    case 'stopping':
    case 'removing':
      return { label: 'Stopping', tone: 'busy' };
    case 'paused':
      return { label: 'Paused', tone: 'busy' };
    case 'dead':
    case 'exited':
    case 'failed':
      return { label: 'Stopped unexpectedly', tone: 'bad' };
    case null:
    case undefined:
    case '':
      return { label: 'Not running', tone: 'idle' };
    default:
      return { label: status.charAt(0).toUpperCase() + status.slice(1), tone: 'idle' };
  }
}

/** Whether the app can be opened (its proxy route answers). */
export function isRunning(status: string | null | undefined): boolean {
  return status === 'running' || status === 'ready';
}
