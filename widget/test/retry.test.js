// chatRetrying: a `busy` answer (503 or busy event) is waited out and asked again, at most `retries` times.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError, ChatApi, wait } from "../src/api.js";

function sse(...events) {
  return events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join("");
}

const BUSY_503 = () =>
  new Response(JSON.stringify({ error: { code: "busy", message: "busy" } }), {
    status: 503,
    headers: { "Content-Type": "application/json", "Retry-After": "3" },
  });
const BUSY_EVENT = () =>
  new Response(sse(["meta", { session_id: "s" }], ["busy", { code: "busy", message: "busy", retry_after_s: 2 }]), {
    status: 200,
    headers: { "Content-Type": "text/event-stream" },
  });
const ANSWER = () =>
  new Response(sse(["meta", { session_id: "s" }], ["token", { text: "Hallo" }], ["done", { answer: "Hallo" }]), {
    status: 200,
    headers: { "Content-Type": "text/event-stream" },
  });

async function run(responses, opts = {}) {
  const calls = [];
  const waits = [];
  globalThis.fetch = async (url, init) => {
    calls.push(JSON.parse(init.body));
    return responses[Math.min(calls.length - 1, responses.length - 1)]();
  };
  const api = new ChatApi("http://x/");
  const events = [];
  const sleep = async (ms) => waits.push(ms);
  const onWait = (s, attempt) => waits.push(`wait ${s} s (${attempt})`);
  try {
    for await (const ev of api.chatRetrying("Frage?", null, undefined, { sleep, onWait, ...opts })) events.push(ev.event);
  } catch (err) {
    return { calls, waits, events, err };
  }
  return { calls, waits, events, err: null };
}

test("a 503 busy and a busy event are waited out, then the answer streams", async () => {
  const r = await run([BUSY_503, BUSY_EVENT, ANSWER]);
  assert.equal(r.err, null);
  assert.equal(r.calls.length, 3);
  assert.deepEqual(r.waits, ["wait 3 s (1)", 3000, "wait 2 s (2)", 2000]);
  assert.deepEqual(r.events, ["meta", "meta", "token", "done"]); // the refused attempt's meta, then the answer
  assert.ok(r.calls.every((b) => b.message === "Frage?"));
});

test("after `retries` waits the last busy is thrown with its Retry-After", async () => {
  const r = await run([BUSY_503], { retries: 2 });
  assert.equal(r.calls.length, 3);
  assert.ok(r.err instanceof ApiError);
  assert.equal(r.err.kind, "busy");
  assert.equal(r.err.retryAfter, 3);
});

test("a long Retry-After is capped, other errors are not retried", async () => {
  const long = () => new Response("{}", { status: 503, headers: { "Retry-After": "120" } });
  let r = await run([long, ANSWER]);
  assert.equal(r.err.kind, "server"); // a 503 without code busy: not admission control, no retry
  assert.equal(r.calls.length, 1);
  const busyLong = () =>
    new Response(JSON.stringify({ error: { code: "busy" } }), { status: 503, headers: { "Retry-After": "120" } });
  r = await run([busyLong, ANSWER], { maxWait: 10 });
  assert.equal(r.err, null);
  assert.deepEqual(r.waits, ["wait 10 s (1)", 10000]);
});

test("wait() rejects with AbortError when the visitor aborts", async () => {
  const c = new AbortController();
  const p = wait(10_000, c.signal);
  c.abort();
  await assert.rejects(p, { name: "AbortError" });
  await wait(1); // resolves without a signal
});
