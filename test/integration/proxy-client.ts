import http from 'node:http';

/** A plain HTTP answer, body as text. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Sends a request with the path exactly as given (fetch would normalise `..` and `%2e` away,
 * hiding what the proxy must handle) on a fresh connection.
 */
export function raw(
  base: string,
  path: string,
  opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The echo server's /headers answer. */
export interface EchoedRequest {
  method: string;
  path: string;
  headers: [string, string][];
}

export function headerOf(echoed: EchoedRequest, name: string): string[] {
  return echoed.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
}
