// Progressive enhancement only: every page works without this file.
// Forms with data-confirm ask before they are sent (delete a source, a curated answer, a user).
document.addEventListener("submit", (ev) => {
  const form = ev.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    ev.preventDefault();
  }
});

// A source's live crawl status: while a crawl starts or runs, ask every 2 s; reload when a run finishes.
(() => {
  const box = document.getElementById("live");
  if (!box || box.dataset.active !== "1") return;
  const text = document.getElementById("live-text");
  const poll = async () => {
    try {
      const r = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!r.ok) return;
      const s = await r.json();
      if (s.live) {
        if (text && s.text && text.textContent !== s.text) text.textContent = s.text;
        window.setTimeout(poll, 2000);
      } else {
        window.location.reload();
      }
    } catch (e) {
      window.setTimeout(poll, 5000);
    }
  };
  window.setTimeout(poll, 2000);
})();
