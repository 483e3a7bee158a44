// Thin fetch helpers for the public API (same origin).
export class HttpError extends Error {
  constructor(status, url) {
    super(`HTTP ${status} for ${url}`);
    this.name = 'HttpError';
    this.status = status;
  }
}

export async function getJSON(url, signal) {
  const res = await fetch(url, {
    signal,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  });
  if (!res.ok) throw new HttpError(res.status, url);
  return res.json();
}

export function isAbort(err) {
  return err && err.name === 'AbortError';
}

// items accepts {"items": [...]} or a bare array.
export function items(body) {
  if (Array.isArray(body)) return body;
  return (body && Array.isArray(body.items) && body.items) || [];
}
