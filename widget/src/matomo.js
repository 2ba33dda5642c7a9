// Opt-in (data-matomo="true" on the script tag): chat events go to the host page's Matomo (window._paq).
// Only the kind of event is sent, never the question, the answer or any id.
export function track(cfg, action, name) {
  if (!cfg.matomo) return;
  const paq = window._paq;
  if (paq && typeof paq.push === "function") paq.push(["trackEvent", "Auskunft", action, name]);
}
