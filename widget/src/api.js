// Talks to the auskunft service: POST /api/chat (server-sent events over fetch) and POST /api/feedback.

/** A failed request, classified for the UI. kind: offline | network | rate_limited | busy | bad_request | too_large | server | stream */
export class ApiError extends Error {
  constructor(kind, message, { status = 0, code = "", retryAfter = 0 } = {}) {
    super(message || kind);
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); 0 if absent. */
export function parseRetryAfter(value, now = Date.now()) {
  if (!value) return 0;
  const v = value.trim();
  if (/^\d+$/.test(v)) return parseInt(v, 10);
  const at = Date.parse(v);
  return Number.isNaN(at) ? 0 : Math.max(0, Math.ceil((at - now) / 1000));
}

async function errorFromResponse(resp) {
  let code = "";
  let message = "";
  try {
    const body = await resp.json();
    code = (body && body.error && body.error.code) || "";
    message = (body && body.error && body.error.message) || "";
  } catch {
    // not JSON: keep the status only
  }
  const s = resp.status;
  const opts = { status: s, code };
  if (s === 429) {
    const retryAfter = parseRetryAfter(resp.headers.get("Retry-After")) || 30;
    return new ApiError("rate_limited", message, { ...opts, retryAfter });
  }
  if (s === 503 && code === "busy") {
    const retryAfter = parseRetryAfter(resp.headers.get("Retry-After")) || 5;
    return new ApiError("busy", message, { ...opts, retryAfter });
  }
  if (s === 413) return new ApiError("too_large", message, opts);
  if (s >= 400 && s < 500) return new ApiError("bad_request", message, opts);
  return new ApiError("server", message, opts);
}

/** Split a text/event-stream body into {event, data} records (data JSON-decoded). */
export async function* readEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const parse = (block) => {
    let event = "message";
    const data = [];
    for (const line of block.split(/\r?\n|\r/)) {
      if (!line || line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      let value = i < 0 ? "" : line.slice(i + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (!data.length) return null;
    let payload;
    try {
      payload = JSON.parse(data.join("\n"));
    } catch {
      payload = { text: data.join("\n") };
    }
    return { event, data: payload };
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const blocks = buffer.split(/\r?\n\r?\n|\r\r/);
    buffer = blocks.pop();
    for (const block of blocks) {
      const ev = parse(block);
      if (ev) yield ev;
    }
  }
  buffer += decoder.decode();
  const last = buffer.trim() ? parse(buffer) : null;
  if (last) yield last;
}

/** Resolves after `ms`, or rejects with an AbortError when `signal` aborts first. */
export function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(new DOMException("aborted", "AbortError"));
    };
    if (signal && signal.aborted) return abort();
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", abort);
      resolve();
    }, ms);
    if (signal) signal.addEventListener("abort", abort, { once: true });
  });
}

export class ChatApi {
  constructor(base) {
    this.base = base.replace(/\/+$/, "");
  }

  /** POST /api/chat; yields the stream's events. Throws ApiError. */
  async *chat(message, sessionId, signal) {
    if (typeof navigator !== "undefined" && navigator.onLine === false) throw new ApiError("offline");
    const body = { message };
    if (sessionId) body.session_id = sessionId;
    let resp;
    try {
      resp = await fetch(`${this.base}/api/chat`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
        credentials: "omit",
        signal,
      });
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError(navigator.onLine === false ? "offline" : "network", String(err));
    }
    if (!resp.ok) throw await errorFromResponse(resp);
    if (!resp.body) throw new ApiError("stream", "empty response");
    try {
      yield* readEvents(resp.body);
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError("stream", String(err));
    }
  }

  /**
   * chat(), waiting out a `busy` answer (a 503 before the stream or a `busy` event in it) and asking again,
   * at most `retries` times: the service queues what it can answer within ~2 s and says "busy" only beyond,
   * so a short wait usually gets the answer. `onWait(seconds, attempt)` runs before each wait (the UI shows
   * that it is waiting); the last `busy` is thrown like any ApiError.
   */
  async *chatRetrying(message, sessionId, signal, { retries = 2, maxWait = 10, onWait = () => {}, sleep = wait } = {}) {
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const ev of this.chat(message, sessionId, signal)) {
          if (ev.event === "busy") {
            const d = ev.data || {};
            throw new ApiError("busy", String(d.message || ""), { code: "busy", retryAfter: Number(d.retry_after_s) || 5 });
          }
          yield ev;
        }
        return;
      } catch (err) {
        if (!(err instanceof ApiError) || err.kind !== "busy" || attempt >= retries) throw err;
        const seconds = Math.min(maxWait, Math.max(1, err.retryAfter));
        onWait(seconds, attempt + 1);
        await sleep(seconds * 1000, signal);
      }
    }
  }

  /** POST /api/feedback. Throws ApiError. */
  async feedback(answerId, rating, comment) {
    const body = { answer_id: answerId, rating };
    if (comment) body.comment = comment;
    let resp;
    try {
      resp = await fetch(`${this.base}/api/feedback`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
      });
    } catch (err) {
      throw new ApiError("network", String(err));
    }
    if (!resp.ok) throw await errorFromResponse(resp);
  }
}
