// The typed API client (openapi-fetch over the types generated from openapi/openapi.yaml) and the
// console's session: the access token lives in this module's memory only; the refresh token is an
// HttpOnly cookie that only /v1/auth/console/session receives, so page scripts never see it.
import createClient from 'openapi-fetch';
import type { components, paths } from './gen/schema';
import { lang } from './i18n';

export type Schemas = components['schemas'];
export type Profile = Schemas['Profile'];
export type Problem = Schemas['Problem'];

// The header no cross-site form can send; the server requires it on the session routes.
export const consoleHeader = { 'X-QN-Console': '1' } as const;

let accessToken: string | null = null;
let userId: string | null = null; // whose session this page holds: a cookie of another user ends it
let refreshing: Promise<Schemas['ConsoleSession'] | null> | null = null;
let onEnded: (detail: string) => void = () => {};

// signedInUser is the ID of the staff member this page is signed in as.
export function signedInUser(): string | null {
  return userId;
}

// onSessionEnded is told when a request finds the session over (account disabled, signed out elsewhere).
export function onSessionEnded(f: (detail: string) => void) {
  onEnded = f;
}

const sessionRoutes = ['/v1/auth/console/login', '/v1/auth/console/session'];

// authFetch adds the token and the language; on a 401 it renews the token once through the cookie and
// retries, and when that fails too the session is over (for example the account was disabled).
async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const res = await fetch(withAuth(input));
  const path = new URL(input.url).pathname;
  if (res.status !== 401 || accessToken === null || sessionRoutes.includes(path)) return res;
  const detail = await problemDetail(res.clone());
  const renewed = await refresh();
  if (renewed) return fetch(withAuth(retry));
  accessToken = null;
  userId = null;
  onEnded(detail);
  return res;
}

function withAuth(req: Request): Request {
  if (accessToken) req.headers.set('Authorization', 'Bearer ' + accessToken);
  req.headers.set('Accept-Language', lang());
  return req;
}

async function problemDetail(res: Response): Promise<string> {
  try {
    const p = (await res.json()) as Problem;
    return p.detail ?? p.title;
  } catch {
    return res.statusText;
  }
}

export const client = createClient<paths>({ baseUrl: location.origin, fetch: authFetch });

// describe turns an error body into one line for a person.
export function describe(err: unknown): string {
  if (err && typeof err === 'object') {
    const p = err as Partial<Problem>;
    const fields = (p.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ');
    return [p.detail ?? p.title ?? '', fields].filter(Boolean).join(' — ');
  }
  return String(err);
}

export async function signIn(username: string, password: string): Promise<Profile> {
  const { data, error } = await client.POST('/v1/auth/console/login', {
    params: { header: consoleHeader }, body: { username, password } });
  if (!data) throw new Error(describe(error));
  accessToken = data.access_token;
  userId = data.user.id;
  return data.user;
}

// refresh exchanges the cookie for a new access token (the cookie rotates); null when there is no session,
// or when the cookie now belongs to someone else (another account signed in from another tab).
export function refresh(): Promise<Schemas['ConsoleSession'] | null> {
  refreshing ??= client.POST('/v1/auth/console/session', { params: { header: consoleHeader } })
    .then(({ data }) => {
      if (!data || (userId !== null && data.user.id !== userId)) {
        accessToken = null;
        return null;
      }
      accessToken = data.access_token;
      userId = data.user.id;
      return data;
    })
    .catch(() => null)
    .finally(() => { refreshing = null; });
  return refreshing;
}

export async function signOut(): Promise<void> {
  if (accessToken) await client.DELETE('/v1/auth/console/session', { params: { header: consoleHeader } }).catch(() => {});
  accessToken = null;
  userId = null;
}

// uploadPhoto asks for a presigned slot and PUTs the file to it, reporting progress (0 to 100).
export async function uploadPhoto(file: File, progress: (pct: number) => void): Promise<string> {
  const type = file.type as Schemas['UploadRequest']['content_type'];
  const { data: slot, error } = await client.POST('/v1/uploads', { body: { content_type: type, size_bytes: file.size } });
  if (!slot) throw new Error(describe(error));
  await new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(slot.method, slot.url);
    for (const [k, v] of Object.entries(slot.headers)) {
      if (k.toLowerCase() !== 'content-length' && k.toLowerCase() !== 'host') xhr.setRequestHeader(k, v);
    }
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress(Math.round((e.loaded / e.total) * 100)); };
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`HTTP ${xhr.status}`)));
    xhr.onerror = () => reject(new Error('network'));
    xhr.send(file);
  });
  progress(100);
  return slot.upload_id;
}
