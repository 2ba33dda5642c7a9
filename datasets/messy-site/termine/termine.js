// <termin-liste>: loads the next page of events when the list end scrolls into view or on "mehr laden".
class TerminListe extends HTMLElement {
  connectedCallback() {
    this.page = 1;
    this.pages = Number(this.dataset.pages || 1);
    this.loading = false;
    this.button = this.querySelector("button.mehr");
    this.button.addEventListener("click", () => this.more());
    this.sentinel = document.createElement("div");
    this.appendChild(this.sentinel);
    new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.more();
    }).observe(this.sentinel);
  }
  async more() {
    if (this.loading || this.page >= this.pages) return;
    this.loading = true;
    const next = this.page + 1;
    const res = await fetch(`/termine/liste-${next}.html`);
    this.querySelector("ul.termine").insertAdjacentHTML("beforeend", await res.text());
    this.page = next;
    this.loading = false;
    if (this.page >= this.pages) this.button.remove();
  }
}
customElements.define("termin-liste", TerminListe);
