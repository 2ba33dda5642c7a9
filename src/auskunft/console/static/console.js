// Progressive enhancement only: every page works without this file.
// Forms with data-confirm ask before they are sent (delete a source, a curated answer).
document.addEventListener("submit", (ev) => {
  const form = ev.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    ev.preventDefault();
  }
});
