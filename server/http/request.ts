/**
 * The little HTTP plumbing the open APIs (token server, client status) need on a plain
 * node:http server: the path, the parameters from the query string and a form-encoded body,
 * and JSON answers.
 */
import type http from 'node:http';

/** Bodies larger than this are refused (100 topics of 256 characters, encoded, fit easily). */
export const MAX_BODY_BYTES = 256 * 1024;

export type Params = Record<string, string>;

/** A request whose parameters cannot be read; each API answers it as a bad request. */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
}

export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function addAll(into: Params, search: URLSearchParams): void {
  // The first value of a repeated parameter counts, as with URLSearchParams.get.
  for (const [key, value] of search) if (!Object.hasOwn(into, key)) into[key] = value;
}

/** The query string's parameters. */
export function queryParams(url: string | undefined): Params {
  const params: Params = {};
  const q = url?.indexOf('?') ?? -1;
  if (q !== -1) addAll(params, new URLSearchParams(url!.slice(q + 1)));
  return params;
}

/**
 * The request's parameters: the form-encoded body's (application/x-www-form-urlencoded, as
 * the cloud's SDKs post them), then the query string's for names the body does not have.
 * Rejects other body types and bodies over MAX_BODY_BYTES with a BadRequestError.
 */
export async function readParams(req: http.IncomingMessage): Promise<Params> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new BadRequestError(`request body larger than ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  // Read to the end even past the limit (discarding), so that the answer can still be sent.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) throw new BadRequestError(`request body larger than ${MAX_BODY_BYTES} bytes`);
  const params: Params = {};
  const body = Buffer.concat(chunks).toString('utf8');
  if (body.trim() !== '') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded' && type !== '') {
      throw new BadRequestError(
        `unsupported Content-Type "${type}": send the parameters form-encoded (application/x-www-form-urlencoded) or in the query string`,
      );
    }
    addAll(params, new URLSearchParams(body));
  }
  addAll(params, new URLSearchParams(queryParams(req.url)));
  return params;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
