/**
 * The token server API, as the cloud's (PRODUCT.md §3): POST /token/apply, /token/revoke and
 * /token/query with form-encoded parameters (or in the query string), signed with an
 * AccessKey's secret. The answer is JSON `{success, message, code, tokenData}` with HTTP 200
 * whenever the request reached the API: the cloud's SDKs read only 200 answers, and `code`
 * tells the outcome (200 ok, 400 bad parameter, 407 bad signature, 409 creation failed,
 * 410 revoke failed). tokenData: apply → the token (shown this once); query and revoke →
 * what the token grants (TokenView), never the token.
 */
import type http from 'node:http';
import type { Backend } from '../backend';
import { applyToken, queryToken, revokeToken, TokenApiError, type TokenView } from '../services/tokens';
import { BadRequestError, readParams, sendJson, type Params } from './request';
import { checkSignature } from './signed-request';

export interface TokenApiResponse {
  success: boolean;
  message: string;
  code: number;
  tokenData: string | TokenView | null;
}

type Operation = 'apply' | 'revoke' | 'query';

export const TOKEN_API_PATHS: Record<string, Operation> = {
  '/token/apply': 'apply',
  '/token/revoke': 'revoke',
  '/token/query': 'query',
};

/** Parameters each operation needs, and those its signature covers. */
const REQUIRED: Record<Operation, { all: string[]; signed: string[] }> = {
  apply: {
    all: ['actions', 'resources', 'expireTime', 'proxyType', 'serviceName', 'instanceId', 'accessKey', 'signature'],
    signed: ['actions', 'resources', 'expireTime', 'serviceName', 'instanceId'],
  },
  revoke: { all: ['token', 'accessKey', 'signature'], signed: ['token'] },
  query: { all: ['token', 'accessKey', 'signature'], signed: ['token'] },
};

const failure = (code: number, message: string): TokenApiResponse => ({ success: false, message, code, tokenData: null });
const ok = (tokenData: TokenApiResponse['tokenData']): TokenApiResponse => ({ success: true, message: 'success', code: 200, tokenData });

/** One token API call on already-read parameters. */
export function tokenApiCall(backend: Backend, operation: Operation, params: Params, now = Date.now()): TokenApiResponse {
  const { all, signed } = REQUIRED[operation];
  const missing = all.filter((name) => !params[name]);
  if (missing.length > 0) return failure(400, `missing parameter${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  const check = checkSignature(backend, params.accessKey!, Object.fromEntries(signed.map((k) => [k, params[k]!])), params.signature!);
  if (!check.ok) return failure(407, check.message);
  try {
    switch (operation) {
      case 'apply':
        return ok(applyToken(backend, params, now).token);
      case 'revoke':
        return ok(revokeToken(backend, params.token, now));
      case 'query':
        return ok(queryToken(backend, params.token, now));
    }
  } catch (err) {
    if (err instanceof TokenApiError) return failure(err.code, err.message);
    throw err;
  }
}

/**
 * Serves one request to a path of TOKEN_API_PATHS; resolves with what it answered.
 * `onChange` runs after a token was issued or revoked, before the answer is sent.
 */
export async function handleTokenApi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  backend: Backend,
  operation: Operation,
  onChange: () => void = () => {},
): Promise<TokenApiResponse> {
  let answer: TokenApiResponse;
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    answer = failure(400, `use POST for /token/${operation}`);
    sendJson(res, 405, answer);
    return answer;
  }
  try {
    answer = tokenApiCall(backend, operation, await readParams(req));
  } catch (err) {
    if (!(err instanceof BadRequestError)) throw err;
    answer = failure(400, err.message);
  }
  if (answer.success && operation !== 'query') onChange();
  sendJson(res, 200, answer);
  return answer;
}
