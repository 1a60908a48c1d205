/** A Docker call that got no answer in time; `hint` says what a person can do about it. */
export class DockerTimeout extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    readonly verb: string,
    readonly ms: number,
    hint: string,
  ) {
    super(`no answer to ${verb} within ${Math.round(ms / 1000)} s; ${hint}`);
  }
}

/**
 * Runs one Docker call with a deadline: the call gets an AbortSignal (dockerode honours it for
 * most verbs), and a race makes the deadline hold for the verbs that ignore it (image and
 * network inspect, version). The one time limit every Docker caller goes through, so a hung
 * engine never hangs a request.
 */
export async function withDeadline<T>(
  verb: string,
  ms: number,
  hint: string,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DockerTimeout(verb, ms, hint);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([fn(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
