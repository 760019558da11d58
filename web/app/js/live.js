// The organization's live stream (docs/LIVE.md), opened with the session
// cookie: one WebSocket for the whole page, reopened after a drop. Views
// listen for as long as they are shown; when the stream cannot be had, the
// monitor list polls instead (see views/monitors.js).

import { chosenOrganization } from "./api.js";

const listeners = new Set();
let socket = null;
let retryMs = 1000;
export let connected = false;

export function listen(callback) {
  listeners.add(callback);
  open();
  return () => listeners.delete(callback);
}

function open() {
  if (socket) return;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const organization = chosenOrganization();
  const query = organization ? `?organization=${encodeURIComponent(organization)}` : "";
  socket = new WebSocket(`${scheme}//${location.host}/api/v1/live${query}`);
  socket.addEventListener("open", () => { connected = true; retryMs = 1000; });
  socket.addEventListener("message", (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    for (const callback of listeners) callback(message);
  });
  socket.addEventListener("close", () => {
    connected = false;
    socket = null;
    if (listeners.size) setTimeout(open, retryMs);
    retryMs = Math.min(retryMs * 2, 30_000);
  });
}

/** Closes the stream (sign-out, organization switch). */
export function close() {
  listeners.clear();
  socket?.close();
  socket = null;
}
