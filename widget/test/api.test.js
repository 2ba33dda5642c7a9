// Unit tests of the SSE reader and Retry-After parsing (node --test; no browser needed).
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRetryAfter, readEvents } from "../src/api.js";

function streamOf(chunks) {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(enc.encode(c));
      controller.close();
    },
  });
}

async function collect(chunks) {
  const out = [];
  for await (const ev of readEvents(streamOf(chunks))) out.push(ev);
  return out;
}

test("events split across chunks, CRLF, comments and multi-line data", async () => {
  const events = await collect([
    ": keep-alive\n\nevent: meta\ndata: {\"session_id\":",
    "\"s1\",\"answer_id\":\"a1\",\"mode\":\"llm\"}\r\n\r\nevent: token\ndata: {\"text\":\"Hal\"}\n\n",
    "event: token\ndata: {\"text\":\"lo ü\"}\n\nevent: done\ndata: {\"answer\":\n",
    "data: \"Hallo ü\"}\n\n",
  ]);
  assert.deepEqual(
    events.map((e) => e.event),
    ["meta", "token", "token", "done"],
  );
  assert.equal(events[0].data.session_id, "s1");
  assert.equal(events[1].data.text + events[2].data.text, "Hallo ü");
  assert.equal(events[3].data.answer, "Hallo ü");
});

test("a last event without a trailing blank line is still delivered", async () => {
  const events = await collect(["event: error\ndata: {\"code\":\"x\",\"message\":\"m\"}"]);
  assert.equal(events.length, 1);
  assert.equal(events[0].event, "error");
});

test("multi-byte characters split between chunks", async () => {
  const bytes = new TextEncoder().encode('event: token\ndata: {"text":"Grüße"}\n\n');
  const cut = bytes.indexOf(0xc3) + 1; // inside the two-byte ü
  const stream = new ReadableStream({
    start(c) {
      c.enqueue(bytes.slice(0, cut));
      c.enqueue(bytes.slice(cut));
      c.close();
    },
  });
  const out = [];
  for await (const ev of readEvents(stream)) out.push(ev);
  assert.equal(out[0].data.text, "Grüße");
});

test("Retry-After as seconds, HTTP date, or garbage", () => {
  assert.equal(parseRetryAfter("17"), 17);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:42 GMT", now), 42);
  assert.equal(parseRetryAfter("soon"), 0);
  assert.equal(parseRetryAfter(null), 0);
});
