// Widget options from the embedding <script> tag's data attributes.
import { pickLang } from "./i18n.js";

const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** Relative luminance of a #rgb/#rrggbb colour (WCAG). */
function luminance(hex) {
  let h = hex.slice(1);
  if (h.length === 3) h = [...h].map((c) => c + c).join("");
  const ch = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);
  const lin = ch.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

/** Black or white, whichever contrasts more with the accent colour. */
export function textOn(hex) {
  const l = luminance(hex);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
}

function apiBaseFrom(script, override) {
  const candidate = override || (script && script.src) || window.location.href;
  try {
    const u = new URL(candidate, window.location.href);
    if (u.protocol !== "http:" && u.protocol !== "https:") return window.location.origin;
    // data-api may carry a path prefix (e.g. https://host/chat); the script src only gives its origin.
    return override ? u.href.replace(/\/+$/, "") : u.origin;
  } catch {
    return window.location.origin;
  }
}

export function readConfig(script) {
  const d = (script && script.dataset) || {};
  const color = HEX.test(d.color || "") ? d.color : "#0b6e4f";
  const title = (d.title || "").trim().slice(0, 80);
  return {
    apiBase: apiBaseFrom(script, d.api),
    lang: pickLang(d.lang, document.documentElement.lang),
    title,
    color,
    colorText: textOn(color),
    position: d.position === "left" ? "left" : "right",
    open: d.open === "true",
    matomo: d.matomo === "true",
  };
}
