// taskloom web UI: tails a running task's log.  No inline scripts (the page's
// Content-Security-Policy allows only this file); log text is added as text, never HTML.
"use strict";

const FINISHED = new Set(["success", "failed", "skipped", "upstream_failed", "removed"]);
const POLL_MS = 2000;

function tailLog(pre) {
  let offset = Number(pre.dataset.offset || 0);
  let state = pre.dataset.state;
  async function poll() {
    try {
      const response = await fetch(`${pre.dataset.logUrl}?offset=${offset}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.ok) {
        const chunk = await response.json();
        if (chunk.content) {
          const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
          pre.append(document.createTextNode(chunk.content));
          if (atBottom) pre.scrollTop = pre.scrollHeight;
        }
        if (chunk.task_try_number > chunk.try_number) {
          // A newer try started (the task was cleared): show it.
          window.location.assign(window.location.pathname);
          return;
        }
        offset = chunk.next_offset;
        state = chunk.task_state || "";
        const badge = document.getElementById("ti-state");
        if (badge && state) {
          badge.textContent = state;
          badge.className = `badge state-${state}`;
        }
        // Keep reading while the task runs, and until the finished file is read to its end
        // (a long log comes in pieces: read the next one at once).
        if (FINISHED.has(state) && chunk.at_end) return;
        if (!chunk.at_end) {
          setTimeout(poll, 0);
          return;
        }
      }
    } catch (error) {
      // The server may be restarting: try again at the next tick.
    }
    setTimeout(poll, POLL_MS);
  }
  if (pre.dataset.atEnd !== "true") setTimeout(poll, 0);
  else if (!FINISHED.has(state)) setTimeout(poll, POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  const pre = document.getElementById("log");
  const badge = document.getElementById("ti-state");
  if (pre && pre.dataset.logUrl) {
    tailLog(pre);
  } else if (badge && !FINISHED.has(badge.dataset.state)) {
    // No log yet (cleared, queued): look again until a try starts.
    setTimeout(() => window.location.reload(), POLL_MS);
  }
});
