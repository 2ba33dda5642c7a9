// Entry point: <script src="https://CHATBOT_HOST/widget.js" data-lang="de" data-title="…" defer></script>
import { readConfig } from "./config.js";
import { Widget } from "./ui.js";

(function boot() {
  const script =
    document.currentScript || document.querySelector('script[src*="widget.js"][data-auskunft], script[src$="/widget.js"]');
  if (window.__auskunftWidget) return; // embedded twice: keep the first
  const start = () => {
    const widget = new Widget(readConfig(script));
    widget.mount();
    window.__auskunftWidget = widget;
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
