"""UI texts, German first, English second. `text(lang)` gives the lookup the templates call as t()."""

from __future__ import annotations

from collections.abc import Callable

LANGS = ("de", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "app": ("Auskunft – Verwaltung", "Auskunft – Console"),
    "skip": ("Zum Inhalt springen", "Skip to content"),
    "nav": ("Hauptnavigation", "Main navigation"),
    "overview": ("Übersicht", "Overview"),
    "questions": ("Offene Fragen", "Unanswered questions"),
    "answers": ("Kuratierte Antworten", "Curated answers"),
    "sources": ("Quellen", "Sources"),
    "documents": ("Dokumente", "Documents"),
    "search_docs": ("URL oder Titel enthält", "URL or title contains"),
    "search": ("Suchen", "Search"),
    "title": ("Titel", "Title"),
    "crawled": ("gecrawlt", "crawled"),
    "pages": ("Seiten", "Pages"),
    "page": ("Seite", "Page"),
    "text": ("Text", "Text"),
    "source_page": ("Original", "Source"),
    "no_docs": ("Keine Dokumente gefunden.", "No documents found."),
    "first_n": ("Die ersten {n} Treffer; bitte genauer suchen.", "The first {n} hits; narrow the search."),
    "exclude_pattern": ("Ausschließen: URL-Muster (regulärer Ausdruck)", "Exclude: URL pattern (regex)"),
    "exclude_help": (
        "Wird in die exclude-Liste der Quelle geschrieben; ab dem nächsten Crawl nicht mehr im Index.",
        "Added to the source's exclude list; out of the index from the next crawl on.",
    ),
    "exclude_doc": ("Aus dem Index ausschließen", "Exclude from the index"),
    "excluded": (
        "Ausgeschlossen; wirkt ab dem nächsten Crawl.",
        "Excluded; takes effect with the next crawl.",
    ),
    "versions": ("Index-Versionen", "Index versions"),
    "users": ("Benutzer", "Users"),
    "audit": ("Protokoll", "Audit log"),
    "account": ("Mein Konto", "My account"),
    "logout": ("Abmelden", "Log out"),
    "login": ("Anmelden", "Log in"),
    "email": ("E-Mail", "E-mail"),
    "password": ("Passwort", "Password"),
    "signed_in_as": ("Angemeldet als", "Signed in as"),
    "language": ("Sprache", "Language"),
    "bad_credentials": ("E-Mail oder Passwort falsch.", "Wrong e-mail or password."),
    "account_locked": (
        "Zu viele Fehlversuche: das Konto ist bis {until} UTC gesperrt.",
        "Too many failed attempts: the account is locked until {until} UTC.",
    ),
    "rate_limited": (
        "Zu viele Anmeldeversuche von dieser Adresse. Bitte in {s} s erneut versuchen.",
        "Too many log-in attempts from this address. Try again in {s} s.",
    ),
    "csrf_failed": (
        "Das Formular ist abgelaufen oder kam nicht von dieser Seite. Bitte neu laden und erneut senden.",
        "The form expired or did not come from this site. Reload the page and send it again.",
    ),
    "forbidden": ("Dafür fehlt Ihrer Rolle die Berechtigung.", "Your role does not allow this."),
    "not_found": ("Nicht gefunden.", "Not found."),
    "saved": ("Gespeichert.", "Saved."),
    "deleted": ("Gelöscht.", "Deleted."),
    "error": ("Fehler", "Error"),
    "save": ("Speichern", "Save"),
    "delete": ("Löschen", "Delete"),
    "cancel": ("Abbrechen", "Cancel"),
    "edit": ("Bearbeiten", "Edit"),
    "create": ("Anlegen", "Create"),
    "yes_confirm": ("Ja, ausführen", "Yes, go ahead"),
    "confirm": ("Bestätigen", "Confirm"),
    # overview
    "last_days": ("letzte {n} Tage", "last {n} days"),
    "asked": ("Fragen", "Questions"),
    "answered": ("beantwortet", "answered"),
    "not_in_docs": ("nicht in den Dokumenten", "not in the documents"),
    "failed": ("fehlgeschlagen", "failed"),
    "curated_used": ("kuratierte Antworten", "curated answers"),
    "feedback": ("Bewertungen", "Feedback"),
    "thumbs_up": ("hilfreich", "helpful"),
    "thumbs_down": ("nicht hilfreich", "not helpful"),
    "latency": ("Antwortzeit", "Answer time"),
    "per_day": ("Fragen pro Tag", "Questions per day"),
    "chart_desc": (
        "Balken: gestellte Fragen pro Tag, dunkler Teil: beantwortet.",
        "Bars: questions asked per day, dark part: answered.",
    ),
    "live_version": ("Live-Index", "Live index"),
    "none_yet": ("noch keine", "none yet"),
    "last_crawl": ("Letzter Crawl", "Last crawl"),
    "status": ("Status", "Status"),
    "never": ("nie", "never"),
    "ok": ("ok", "ok"),
    "export_csv": ("Fragen als CSV exportieren", "Export questions as CSV"),
    "retention_note": (
        "Chat-Protokolle werden nach {n} Tagen gelöscht; IP-Adressen werden nie gespeichert.",
        "Chat logs are deleted after {n} days; IP addresses are never stored.",
    ),
    # questions
    "questions_intro": (
        "Fragen, die der Bot nicht beantworten konnte oder die negativ bewertet wurden, nach ähnlicher Formulierung gruppiert.",
        "Questions the bot could not answer or that got a thumbs down, grouped by similar wording.",
    ),
    "times_asked": ("mal gefragt", "times asked"),
    "variants": ("Formulierungen", "Wordings"),
    "retrieved": ("Gefunden wurde", "What was retrieved"),
    "nothing_retrieved": ("nichts Passendes", "nothing relevant"),
    "comments": ("Kommentare", "Comments"),
    "mark_done": ("Als erledigt markieren", "Mark as done"),
    "mark_open": ("Wieder öffnen", "Reopen"),
    "write_answer": ("Kuratierte Antwort schreiben", "Write curated answer"),
    "show_done": ("Erledigte zeigen", "Show done"),
    "hide_done": ("Erledigte ausblenden", "Hide done"),
    "no_gaps": ("Keine offenen Fragen.", "No unanswered questions."),
    "done": ("erledigt", "done"),
    # curated answers
    "answers_intro": (
        "Passt eine Besucherfrage genau zu einer dieser Fragen, antwortet der Bot mit dem hinterlegten Text und den Quellen, gekennzeichnet als redaktionelle Antwort.",
        "When a visitor's question matches one of these closely, the bot answers with this text and its sources, labelled as an editors' answer.",
    ),
    "question": ("Frage", "Question"),
    "answer": ("Antwort", "Answer"),
    "answer_help": ("Markdown ist erlaubt.", "Markdown is allowed."),
    "answer_sources": ("Quellen", "Sources"),
    "answer_sources_help": (
        "Eine Quelle pro Zeile: URL, danach optional ein Titel.",
        "One source per line: a URL, optionally followed by a title.",
    ),
    "active": ("aktiv", "active"),
    "used": ("verwendet", "used"),
    "new_answer": ("Neue kuratierte Antwort", "New curated answer"),
    "no_answers": ("Noch keine kuratierten Antworten.", "No curated answers yet."),
    # sources
    "new_source": ("Neue Quelle", "New source"),
    "name": ("Name", "Name"),
    "name_help": ("Kleinbuchstaben, Ziffern, - und _", "lower-case letters, digits, - and _"),
    "start_urls": ("Start-URLs", "Start URLs"),
    "lines_help": ("Eine pro Zeile.", "One per line."),
    "include": ("Nur URLs mit (regulärer Ausdruck)", "Only URLs matching (regex)"),
    "exclude": ("URLs ausschließen (regulärer Ausdruck)", "Exclude URLs (regex)"),
    "max_depth": ("Maximale Linktiefe", "Maximum link depth"),
    "max_pages": ("Maximale Seitenzahl", "Maximum pages"),
    "schedule": ("Zeitplan (cron)", "Schedule (cron)"),
    "schedule_help": (
        "z. B. 0 3 * * * für täglich 3 Uhr; leer: nur manuell",
        "e.g. 0 3 * * * for daily at 3; empty: manual only",
    ),
    "render_js": ("JavaScript ausführen", "Run JavaScript"),
    "follow_pdfs": ("PDFs folgen", "Follow PDFs"),
    "crawl_now": ("Jetzt crawlen", "Crawl now"),
    "crawl_started": ("Crawl gestartet ({via}).", "Crawl started ({via})."),
    "runs": ("Läufe", "Runs"),
    "runs_help": (
        "Aus den Lauf-Ordnern: Zählungen, ausgeführte Notebooks und fehlgeschlagene URLs mit Grund.",
        "From the run folders: counts, executed notebooks and failed URLs with their reason.",
    ),
    "prefect_runs": ("Läufe in Prefect", "Runs in Prefect"),
    "no_runs": ("Noch keine Läufe.", "No runs yet."),
    "started": ("Start", "Started"),
    "duration": ("Dauer", "Duration"),
    "counts": ("neu / geändert / fehlgeschlagen", "new / changed / failed"),
    "notebooks": ("Notebooks", "Notebooks"),
    "prefect_run": ("Lauf in Prefect", "Run in Prefect"),
    "failures": ("Fehler", "Failures"),
    "delete_source_q": ("Quelle „{name}“ löschen?", "Delete source “{name}”?"),
    # versions
    "version": ("Version", "Version"),
    "created": ("Erstellt", "Created"),
    "config": ("Konfiguration", "Configuration"),
    "metrics": ("Bewertung", "Evaluation"),
    "points": ("Abschnitte", "Chunks"),
    "live": ("live", "live"),
    "promote": ("Live schalten", "Promote"),
    "rollback": ("Zurückrollen", "Roll back"),
    "promote_q": (
        "Version {v} live schalten? Besucher bekommen danach Antworten aus dieser Version.",
        "Promote version {v}? Visitors then get answers from this version.",
    ),
    "rollback_q": (
        "Auf die vorige Version zurückrollen? Besucher bekommen danach Antworten aus dieser Version.",
        "Roll back to the previous version? Visitors then get answers from that version.",
    ),
    "now_live": ("{v} ist jetzt live.", "{v} is live now."),
    "no_versions": ("Noch kein Index: erst eine Quelle crawlen.", "No index yet: crawl a source first."),
    # users, account, audit
    "role": ("Rolle", "Role"),
    "role_admin": ("Administration", "Admin"),
    "role_editor": ("Redaktion", "Editor"),
    "role_viewer": ("Lesen", "Viewer"),
    "new_user": ("Neuer Benutzer", "New user"),
    "initial_password": ("Start-Passwort", "Initial password"),
    "password_help": ("Mindestens 10 Zeichen.", "At least 10 characters."),
    "locked": ("gesperrt", "locked"),
    "unlock": ("Entsperren", "Unlock"),
    "last_login": ("Letzte Anmeldung", "Last log-in"),
    "change_password": ("Passwort ändern", "Change password"),
    "current_password": ("Aktuelles Passwort", "Current password"),
    "new_password": ("Neues Passwort", "New password"),
    "password_changed": (
        "Passwort geändert; andere Sitzungen wurden beendet.",
        "Password changed; other sessions were ended.",
    ),
    "api_tokens": ("API-Tokens", "API tokens"),
    "api_tokens_help": (
        "Persönliche Tokens für die Admin-API (Authorization: Bearer …). Sie haben die Rechte Ihrer Rolle.",
        "Personal tokens for the admin API (Authorization: Bearer …). They carry your role's rights.",
    ),
    "token_name": ("Name des Tokens", "Token name"),
    "new_token": ("Token erzeugen", "Create token"),
    "token_once": (
        "Neues Token (wird nur jetzt angezeigt):",
        "New token (shown only now):",
    ),
    "revoke": ("Widerrufen", "Revoke"),
    "last_used": ("Zuletzt benutzt", "Last used"),
    "when": ("Wann", "When"),
    "who": ("Wer", "Who"),
    "what": ("Was", "What"),
    "target": ("Objekt", "Target"),
    "details": ("Details", "Details"),
}


def text(lang: str) -> Callable[..., str]:
    i = LANGS.index(lang) if lang in LANGS else 0

    def t(key: str, **kw: object) -> str:
        pair = TEXTS.get(key)
        s = pair[i] if pair else key
        return s.format(**kw) if kw else s

    return t


def pick(cookie: str | None, accept_language: str | None) -> str:
    """The switch (cookie) wins; else the first of de/en in Accept-Language; else German."""
    if cookie in LANGS:
        return cookie  # type: ignore[return-value]
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return "de"
