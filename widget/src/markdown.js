// Markdown -> sanitised DOM. Everything the model or the documents produce passes through here.
import createDOMPurify from "dompurify";
import { Marked } from "marked";

const ALLOWED_TAGS = [
  "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
  "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del",
];
const ALLOWED_ATTR = ["href", "title"];

/** An absolute http(s) URL, or null (javascript:, data:, relative, garbage). */
export function safeUrl(value) {
  if (typeof value !== "string") return null;
  try {
    const u = new URL(value.trim());
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

const escapeHtml = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// Raw HTML in the model's markdown is shown as text, never parsed; images become their alt text.
const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html(token) {
      return escapeHtml(token.text || token.raw || "");
    },
    image(token) {
      return escapeHtml(token.text || "");
    },
  },
});

/** Normalised form for comparing link targets with source URLs: no fragment, no trailing slash. */
const linkKey = (url) => url.split("#")[0].replace(/\/+$/, "").toLowerCase();

/**
 * Which links in an answer stay clickable: the URLs of its sources and the allowed hosts (the service
 * sends them in `meta.link_hosts`; the page's own host counts too). The service already rewrote every
 * other link to text; this is the same rule again, for the text shown while the answer streams.
 */
export function linkPolicy(sources = [], hosts = []) {
  const urls = new Set();
  for (const s of sources) {
    const u = safeUrl(s && s.url);
    if (u) urls.add(linkKey(u));
  }
  const allowedHosts = new Set(hosts.map((h) => String(h).toLowerCase()));
  if (typeof location !== "undefined" && location.host) allowedHosts.add(location.host.toLowerCase());
  return (href) => {
    try {
      const u = new URL(href);
      return urls.has(linkKey(u.href)) || allowedHosts.has(u.host.toLowerCase()) || allowedHosts.has(u.hostname.toLowerCase());
    } catch {
      return false;
    }
  };
}

let allowLink = () => true; // set for the duration of one renderMarkdown call

const purify = createDOMPurify(window);
purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.nodeName === "A") {
    const href = safeUrl(node.getAttribute("href"));
    if (href && allowLink(href)) {
      node.setAttribute("href", href);
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    } else {
      node.removeAttribute("href");
    }
  }
});

/**
 * Render markdown into a sanitised DocumentFragment (no scripts, handlers, images, or non-http links).
 * `isAllowed(href)`: whether a link stays clickable (see linkPolicy); others are shown as plain text.
 */
export function renderMarkdown(text, isAllowed = () => true) {
  const html = marked.parse(String(text || ""));
  allowLink = isAllowed;
  try {
    return purify.sanitize(html, {
      ALLOWED_TAGS,
      ALLOWED_ATTR,
      ALLOWED_URI_REGEXP: /^https?:\/\//i,
      ALLOW_DATA_ATTR: false,
      ALLOW_ARIA_ATTR: false,
      RETURN_DOM_FRAGMENT: true,
    });
  } finally {
    allowLink = () => true;
  }
}
