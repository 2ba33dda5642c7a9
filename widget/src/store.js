// Conversation state kept in sessionStorage, so it survives navigation on the same site.
const VERSION = 1;
const MAX_MESSAGES = 60;

export class Store {
  constructor(apiBase) {
    this.key = `auskunft:${apiBase}`;
  }

  load() {
    try {
      const raw = window.sessionStorage.getItem(this.key);
      const state = raw ? JSON.parse(raw) : null;
      if (state && state.v === VERSION && Array.isArray(state.messages)) return state;
    } catch {
      // storage blocked or corrupt: start fresh
    }
    return { v: VERSION, sessionId: null, messages: [], open: false, retryUntil: 0 };
  }

  save(state) {
    try {
      const messages = state.messages.slice(-MAX_MESSAGES);
      window.sessionStorage.setItem(this.key, JSON.stringify({ ...state, v: VERSION, messages }));
    } catch {
      // quota or blocked storage: the conversation just won't survive navigation
    }
  }

  clear() {
    try {
      window.sessionStorage.removeItem(this.key);
    } catch {
      // ignore
    }
  }
}
