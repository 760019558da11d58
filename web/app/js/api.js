// The dashboard talks to the same JSON API as every other client. It is
// signed in by the HttpOnly session cookie (the browser sends it; scripts
// cannot read it) and repeats the readable CSRF cookie in X-CSRF-Token on
// every request that changes something.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
    this.field = body?.field;
  }
}

const ORGANIZATION_KEY = "pingwarden.organization";

export function chosenOrganization() {
  return localStorage.getItem(ORGANIZATION_KEY);
}

export function chooseOrganization(id) {
  if (id) localStorage.setItem(ORGANIZATION_KEY, id);
  else localStorage.removeItem(ORGANIZATION_KEY);
}

function csrfToken() {
  const pair = document.cookie.split("; ").find((c) => c.startsWith("pw_csrf="));
  return pair ? pair.slice("pw_csrf=".length) : "";
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  const organization = chosenOrganization();
  if (organization) headers["X-Organization-Id"] = organization;
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // Not the API's JSON (a proxy's or the platform's error page): the
    // status alone still makes a message.
    if (response.ok) throw new ApiError(response.status, null);
  }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export const get = (path) => api("GET", path);
export const post = (path, body = {}) => api("POST", path, body);
export const patch = (path, body) => api("PATCH", path, body);
export const remove = (path) => api("DELETE", path);
