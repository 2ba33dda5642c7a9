// The widget: launcher, dialog panel, message list, composer; state in sessionStorage.
import { ApiError, ChatApi } from "./api.js";
import { texts } from "./i18n.js";
import { ICONS } from "./icons.js";
import { linkPolicy, renderMarkdown, safeUrl } from "./markdown.js";
import { track } from "./matomo.js";
import { Store } from "./store.js";
import css from "./styles.css";

const MAX_CHARS = 2000;
const STALL_MS = 60_000; // no event for this long: the answer counts as interrupted

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "html") node.innerHTML = v; // only for our own static icons
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of [].concat(children)) if (c) node.append(c);
  return node;
}

/** URL a citation links to: http(s) only; PDF pages as #page=N. */
export function citationHref(c) {
  const url = safeUrl(c && c.url);
  if (!url) return null;
  if (c.page && !/#page=\d+/.test(url) && /\.pdf($|[?#])/i.test(url)) {
    return `${url.split("#")[0]}#page=${Number(c.page)}`;
  }
  return url;
}

/** Turn "[n]" markers in a rendered answer into links to source n (text nodes only, never HTML). */
function linkMarkers(root, citations) {
  const byN = new Map();
  for (const c of citations) {
    const href = citationHref(c);
    if (href) byN.set(String(c.n), { href, title: String(c.title || "") });
  }
  if (!byN.size) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest("a, code, pre") && /\[\d+\]/.test(node.nodeValue)) nodes.push(node);
  }
  for (const node of nodes) {
    const frag = document.createDocumentFragment();
    let rest = node.nodeValue;
    for (let m = rest.match(/\[(\d+)\]/); m; m = rest.match(/\[(\d+)\]/)) {
      frag.append(rest.slice(0, m.index));
      const target = byN.get(m[1]);
      frag.append(
        target
          ? el("a", { class: "cite", href: target.href, target: "_blank", rel: "noopener noreferrer", title: target.title, text: m[0] })
          : m[0],
      );
      rest = rest.slice(m.index + m[0].length);
    }
    frag.append(rest);
    node.replaceWith(frag);
  }
}

export class Widget {
  constructor(config) {
    this.cfg = config;
    this.t = texts(config.lang);
    this.api = new ChatApi(config.apiBase);
    this.store = new Store(config.apiBase);
    this.state = this.store.load();
    for (const m of this.state.messages) {
      // left mid-answer (page navigation while streaming): that stream is gone
      if (m.pending) {
        m.pending = false;
        m.error = "stream";
        m.errorText = this.t.interrupted;
      }
    }
    this.controller = null;
    this.retryTimer = null;
  }

  mount() {
    const host = el("div", { id: "auskunft-widget", "data-auskunft": "" });
    host.style.cssText = "all:initial;position:fixed;z-index:2147483000;width:0;height:0;";
    this.host = host;
    this.root = host.attachShadow({ mode: "open" });
    if (this.root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet(); // not subject to the host page's CSP for inline <style>
      sheet.replaceSync(css);
      this.root.adoptedStyleSheets = [sheet];
    } else {
      this.root.append(el("style", { text: css }));
    }
    this.buildDom();
    document.body.append(host);
    this.renderAll();
    window.addEventListener("online", () => this.updateStatus());
    window.addEventListener("offline", () => this.updateStatus());
    this.updateStatus();
    if (this.state.open || this.cfg.open) this.open(false);
  }

  // ------------------------------------------------------------------ DOM
  buildDom() {
    const t = this.t;
    const title = this.cfg.title || t.title;
    this.wrap = el("div", { class: `ak ${this.cfg.position}`, lang: this.cfg.lang });
    this.wrap.style.setProperty("--ak-accent", this.cfg.color);
    this.wrap.style.setProperty("--ak-on-accent", this.cfg.colorText);

    this.launcher = el("button", {
      type: "button", class: "launcher", "aria-label": t.open, "aria-expanded": "false",
      "aria-controls": "ak-panel", "aria-haspopup": "dialog", html: ICONS.chat,
    });
    this.launcher.addEventListener("click", () => (this.isOpen() ? this.close() : this.open(true)));

    this.newBtn = el("button", { type: "button", class: "icon-btn new", "aria-label": t.newChat, title: t.newChat, html: ICONS.newChat });
    this.newBtn.addEventListener("click", () => this.newConversation());
    this.closeBtn = el("button", { type: "button", class: "icon-btn close", "aria-label": t.close, title: t.close, html: ICONS.close });
    this.closeBtn.addEventListener("click", () => this.close());
    const head = el("div", { class: "head" }, [el("h2", { id: "ak-title", text: title }), this.newBtn, this.closeBtn]);

    this.status = el("p", { class: "status", role: "status", hidden: true });
    this.log = el("ol", { class: "log", "aria-label": t.conversation, tabindex: "0" });
    this.live = el("div", { class: "sr-only", "aria-live": "polite", "aria-atomic": "true" });

    this.input = el("textarea", {
      id: "ak-input", rows: "1", maxlength: String(MAX_CHARS), placeholder: t.placeholder, "aria-label": t.input,
      autocomplete: "off",
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => this.autosize());
    this.sendBtn = el("button", { type: "submit", class: "send", "aria-label": t.send, title: t.send, html: ICONS.send });
    const form = el("form", { class: "composer" }, [this.input, this.sendBtn]);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });

    this.panel = el("div", {
      class: "panel", id: "ak-panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "ak-title", hidden: true,
    }, [head, this.status, this.log, form, el("p", { class: "foot", text: t.disclaimer }), this.live]);
    this.panel.addEventListener("keydown", (e) => this.onPanelKey(e));

    this.wrap.append(this.launcher, this.panel);
    this.root.append(this.wrap);
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 140)}px`;
  }

  // ------------------------------------------------------------------ open / close / focus
  isOpen() {
    return !this.panel.hidden;
  }

  open(focus) {
    // restored after a page navigation: appear at once; opened by the visitor: animate
    this.panel.style.animation = focus ? "" : "none";
    this.panel.hidden = false;
    this.wrap.classList.add("open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", this.t.close);
    this.state.open = true;
    this.persist();
    this.scrollDown();
    if (focus) this.input.focus();
  }

  close() {
    this.panel.hidden = true;
    this.wrap.classList.remove("open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-label", this.t.open);
    this.state.open = false;
    this.persist();
    this.launcher.focus();
  }

  focusables() {
    return [...this.panel.querySelectorAll("button, a[href], textarea, [tabindex]:not([tabindex='-1'])")].filter(
      (n) => !n.disabled && !n.hidden && n.getClientRects().length > 0,
    );
  }

  onPanelKey(e) {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      this.close();
      return;
    }
    if (e.key !== "Tab") return;
    const items = this.focusables();
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = this.root.activeElement;
    if (e.shiftKey && (active === first || !this.panel.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !this.panel.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  }

  // ------------------------------------------------------------------ state
  persist() {
    this.store.save(this.state);
  }

  announce(text) {
    this.live.textContent = "";
    // a fresh text node after a tick makes screen readers announce repeated texts too
    setTimeout(() => (this.live.textContent = text), 30);
  }

  newConversation() {
    if (this.controller) this.controller.abort();
    this.controller = null;
    this.state = { ...this.state, sessionId: null, messages: [] };
    this.persist();
    this.renderAll();
    this.updateStatus();
    this.input.focus();
  }

  // ------------------------------------------------------------------ status line (offline, rate limit)
  updateStatus() {
    const t = this.t;
    clearTimeout(this.retryTimer);
    const wait = Math.ceil((this.state.retryUntil - Date.now()) / 1000);
    let text = "";
    let error = false;
    if (navigator.onLine === false) {
      text = t.offline;
    } else if (wait > 0) {
      text = (this.state.retryKind === "busy" ? t.busy : t.rateLimited).replace("{s}", String(wait));
      error = true;
      this.retryTimer = setTimeout(() => this.updateStatus(), 1000);
    } else if (this.state.retryUntil) {
      this.state.retryUntil = 0;
      this.persist();
    }
    this.status.hidden = !text;
    this.status.textContent = text;
    this.status.classList.toggle("error", error);
    this.status.dataset.kind = navigator.onLine === false ? "offline" : wait > 0 ? this.state.retryKind || "rate_limited" : "";
    this.updateSend();
  }

  updateSend() {
    const blocked = Boolean(this.controller) || this.state.retryUntil > Date.now() || navigator.onLine === false;
    this.sendBtn.disabled = blocked;
  }

  // ------------------------------------------------------------------ rendering
  scrollDown() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** Follow a growing answer, but never scroll its question out of view at the top. */
  follow(li) {
    const log = this.log;
    const anchor = li.previousElementSibling || li;
    const top = anchor.offsetTop - log.offsetTop - 8;
    log.scrollTop = Math.max(0, Math.min(log.scrollHeight - log.clientHeight, top));
  }

  renderAll() {
    this.log.replaceChildren();
    if (!this.state.messages.length) {
      this.log.append(el("li", { class: "msg bot greeting" }, [el("div", { class: "bubble", text: this.t.greeting })]));
    }
    for (const m of this.state.messages) this.log.append(this.renderMessage(m));
    this.scrollDown();
  }

  renderMessage(m) {
    const t = this.t;
    if (m.role === "user") {
      return el("li", { class: "msg user" }, [
        el("span", { class: "sr-only", text: `${t.you}:` }),
        el("div", { class: "bubble", text: m.text }),
      ]);
    }
    const li = el("li", { class: "msg bot", "data-answer-id": m.answerId || null });
    li.append(el("span", { class: "sr-only", text: `${t.bot}:` }));
    this.fillBot(li, m);
    return li;
  }

  /** (Re)draw a bot message: badge, notice, markdown body, citations, feedback, error. */
  fillBot(li, m) {
    const t = this.t;
    li.querySelectorAll(":scope > :not(.sr-only)").forEach((n) => n.remove());
    li.dataset.mode = m.mode || "";
    if (m.mode === "extractive") li.append(el("span", { class: "badge", text: t.extractive }));
    li.dataset.outcome = m.outcome || "";
    if (m.outcome === "closest") li.append(el("span", { class: "badge closest", text: t.closest }));
    if (m.notice) li.append(el("p", { class: "notice", text: String(m.notice) }));
    if (m.text) {
      const bubble = el("div", { class: "bubble answer" });
      const cites = m.citations && m.citations.length ? m.citations : m.sources || [];
      const linkable = linkPolicy([...cites, ...(m.sources || [])], m.linkHosts || []);
      bubble.append(renderMarkdown(m.text, linkable));
      linkMarkers(bubble, cites);
      li.append(bubble);
    } else if (m.pending && m.waiting) {
      li.append(el("div", { class: "bubble typing waiting", text: t.waiting.replace("{s}", String(m.waiting)) }));
    } else if (m.pending) {
      li.append(el("div", { class: "bubble typing", text: t.thinking }));
    }
    if (m.citations && m.citations.length && !m.pending) li.append(this.renderCitations(m.citations));
    if (m.error) li.append(el("p", { class: "err", "data-kind": m.error, text: m.errorText || t.server }));
    if (m.answerId && !m.pending && !m.error) li.append(this.renderFeedback(m));
  }

  renderCitations(citations) {
    const t = this.t;
    const list = el("ol");
    for (const c of citations) {
      const href = citationHref(c);
      const label = String(c.title || c.url || "").slice(0, 200);
      const item = el("li", {}, [el("span", { class: "n", text: `[${Number(c.n) || "?"}]` })]);
      const name = href
        ? el("a", { href, target: "_blank", rel: "noopener noreferrer", title: String(c.snippet || "").slice(0, 300), text: label })
        : el("span", { text: label });
      item.append(name);
      if (c.page) item.append(el("span", { class: "page", text: ` (${t.page} ${Number(c.page)})` }));
      list.append(item);
    }
    return el("div", { class: "sources" }, [el("h3", { text: t.sources }), list]);
  }

  renderFeedback(m) {
    const t = this.t;
    const box = el("div", { class: "feedback-wrap" });
    const row = el("div", { class: "feedback", role: "group", "aria-label": t.feedback });
    const make = (rating, label, icon) => {
      const b = el("button", {
        type: "button", "aria-label": label, title: label, "aria-pressed": m.rating === rating ? "true" : "false",
        "data-rating": rating, html: icon, disabled: Boolean(m.rating),
      });
      b.addEventListener("click", () => (rating === "down" ? this.askComment(m, box) : this.sendFeedback(m, rating, "", box)));
      return b;
    };
    row.append(make("up", t.helpful, ICONS.up), make("down", t.notHelpful, ICONS.down));
    box.append(row);
    return box;
  }

  /** Thumbs down: an optional comment first, then one request. */
  askComment(m, box) {
    const t = this.t;
    if (box.querySelector("form")) return;
    const id = `ak-c-${Math.random().toString(36).slice(2, 8)}`;
    const input = el("textarea", { id, rows: "2", maxlength: "1000" });
    const send = el("button", { type: "submit", class: "fb-send", text: t.sendFeedback });
    const form = el("form", { class: "fb-comment" }, [el("label", { for: id, text: t.commentLabel }), input, send]);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.sendFeedback(m, "down", input.value.trim(), box);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    box.append(form);
    input.focus();
  }

  async sendFeedback(m, rating, comment, box) {
    const buttons = box.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    try {
      await this.api.feedback(m.answerId, rating, comment.slice(0, 1000));
      m.rating = rating;
      track(this.cfg, "feedback", rating);
      this.persist();
      box.querySelectorAll("[data-rating]").forEach((b) => b.setAttribute("aria-pressed", b.dataset.rating === rating ? "true" : "false"));
      const form = box.querySelector("form");
      if (form) form.remove();
      box.append(el("p", { class: "fb-thanks", text: this.t.thanks }));
      this.announce(this.t.thanks);
    } catch {
      buttons.forEach((b) => (b.disabled = false));
      this.announce(this.t.feedbackFailed);
    }
  }

  // ------------------------------------------------------------------ chat
  errorText(err) {
    const t = this.t;
    switch (err.kind) {
      case "offline": return t.offline;
      case "network": return t.network;
      case "rate_limited": return t.rateLimited.replace("{s}", String(err.retryAfter));
      case "busy": return t.busy.replace("{s}", String(err.retryAfter));
      case "too_large": return t.tooLong;
      case "bad_request": return t.badRequest;
      case "stream": return t.interrupted;
      default: return t.server;
    }
  }

  async submit() {
    const text = this.input.value.trim();
    if (!text || this.sendBtn.disabled) return;
    this.input.value = "";
    this.autosize();
    const user = { role: "user", text: text.slice(0, MAX_CHARS) };
    const bot = { role: "bot", text: "", pending: true, citations: [], mode: "", notice: "", answerId: null };
    if (!this.state.messages.length) this.log.replaceChildren(); // drop the greeting
    this.state.messages.push(user, bot);
    this.log.append(this.renderMessage(user));
    const li = this.renderMessage(bot);
    this.log.append(li);
    this.scrollDown();
    this.announce(this.t.thinking);
    const controller = new AbortController();
    this.controller = controller;
    this.updateSend();
    this.persist();

    let frame = 0;
    const redraw = () => {
      frame = 0;
      this.fillBot(li, bot);
      this.follow(li);
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(redraw);
    };
    let finished = false;
    let stalled = false;
    let stallTimer = 0;
    const watch = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, STALL_MS);
    };
    watch();
    try {
      const onWait = (seconds) => {
        // admission control said "busy": wait as told and ask again (the visitor need not press again)
        bot.waiting = seconds;
        this.fillBot(li, bot);
        this.announce(this.t.waiting.replace("{s}", String(seconds)));
        watch();
      };
      const events = this.api.chatRetrying(user.text, this.state.sessionId, controller.signal, { onWait });
      for await (const ev of events) {
        watch();
        bot.waiting = 0;
        const d = ev.data || {};
        if (ev.event === "meta") {
          if (d.session_id) this.state.sessionId = String(d.session_id);
          if (d.answer_id) bot.answerId = String(d.answer_id);
          if (d.mode) bot.mode = String(d.mode);
          if (Array.isArray(d.link_hosts)) bot.linkHosts = d.link_hosts.map(String);
          li.dataset.answerId = bot.answerId || "";
        } else if (ev.event === "sources") {
          bot.sources = Array.isArray(d.sources) ? d.sources : [];
        } else if (ev.event === "token") {
          const piece = typeof d.text === "string" ? d.text : "";
          bot.text = d.reset ? piece : bot.text + piece; // reset: the model broke off, a fallback follows
          if (d.notice) {
            bot.notice = String(d.notice);
            bot.mode = "extractive";
          }
          schedule();
        } else if (ev.event === "done") {
          if (typeof d.answer === "string" && d.answer) bot.text = d.answer;
          bot.citations = Array.isArray(d.citations) ? d.citations : [];
          if (d.mode) bot.mode = String(d.mode);
          bot.notice = d.notice ? String(d.notice) : bot.notice;
          bot.found = d.found !== false;
          // "answer", "closest" (the closest passages, labelled, cited) or "none"
          bot.outcome = d.outcome ? String(d.outcome) : bot.found ? "answer" : "none";
          const outcome = bot.outcome === "closest" ? "closest" : bot.found ? "answered" : "not_found";
          track(this.cfg, "answer", bot.mode === "curated" ? "curated" : outcome);
          finished = true;
        } else if (ev.event === "error") {
          bot.error = String(d.code || "server");
          bot.errorText = this.t.server;
          finished = true;
        }
      }
      if (!finished) {
        bot.error = "stream";
        bot.errorText = this.t.interrupted;
      }
    } catch (err) {
      if (err && err.name === "AbortError" && !stalled) return;
      const e = stalled ? new ApiError("stream", "stalled") : err instanceof ApiError ? err : new ApiError("network", String(err));
      bot.waiting = 0;
      bot.error = e.kind;
      bot.errorText = this.errorText(e);
      if (e.kind === "rate_limited" || e.kind === "busy") {
        this.state.retryUntil = Date.now() + e.retryAfter * 1000;
        this.state.retryKind = e.kind;
      }
      if (!bot.text) {
        // nothing arrived: put the question back so the visitor can send it again
        this.input.value = user.text;
        this.autosize();
      }
    } finally {
      clearTimeout(stallTimer);
      if (this.controller === controller) {
        if (frame) cancelAnimationFrame(frame);
        this.controller = null;
        bot.pending = false;
        this.fillBot(li, bot);
        li.dataset.state = bot.error ? "error" : "done";
        this.follow(li);
        this.persist();
        this.updateStatus();
        const answer = li.querySelector(".answer");
        if (bot.error) this.announce(bot.errorText);
        else if (answer) this.announce(this.t.answerReady + answer.textContent);
      }
    }
  }
}
