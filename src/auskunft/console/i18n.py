"""UI texts, German first, English second. `text(lang)` gives the lookup the templates call as t()."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

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
    "search_docs": ("Suchen in Titel, Adresse und Text", "Search titles, addresses and text"),
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
        "Entfernt das Dokument sofort aus dem Live-Index; künftige Crawls überspringen es (Ausschluss-Liste der Quelle).",
        "Removes the document from the live index now; future crawls skip it (the source's exclude list).",
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
        "Zu viele Fehlversuche: das Konto ist bis {until} gesperrt.",
        "Too many failed attempts: the account is locked until {until}.",
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
        "Fragen, die der Bot nicht beantworten konnte oder die negativ bewertet wurden, nach Bedeutung gruppiert.",
        "Questions the bot could not answer or that got a thumbs down, grouped by meaning.",
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
        "Fragt ein Besucher dasselbe wie eine dieser Fragen oder eine ihrer Formulierungen, antwortet der Bot mit dem hinterlegten Text und den Quellen, gekennzeichnet als redaktionelle Antwort.",
        "When a visitor asks the same as one of these questions or one of their wordings, the bot answers with this text and its sources, labelled as an editors' answer.",
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
    "counts": ("Dokumente", "Documents"),
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
    # ---- added: curated answers by meaning, test box, open questions
    "wordings": ("Weitere Formulierungen", "Further wordings"),
    "wordings_help": (
        "Eine pro Zeile: so fragen Besucher auch danach. Ähnliche Fragen werden zusätzlich nach Bedeutung erkannt.",
        "One per line: how visitors also ask it. Similar questions are also recognised by meaning.",
    ),
    "more_wordings": ("weitere Formulierungen", "more wordings"),
    "closes_question": (
        "Beim Speichern wird die offene Frage, aus der diese Antwort entsteht, als erledigt markiert.",
        "Saving marks the open question this answer was written for as done.",
    ),
    "saved_closed": (
        "Gespeichert; die offene Frage ist damit erledigt.",
        "Saved; the open question is marked done.",
    ),
    "test_question": ("Frage testen", "Test a question"),
    "test_placeholder": ("z. B. Wann findet das Sommerfest statt?", "e.g. When is the summer party?"),
    "test": ("Testen", "Test"),
    "test_gets_curated": ("Antwort der Redaktion:", "Editors' answer:"),
    "test_wording": ("passende Formulierung", "matching wording"),
    "test_score": ("Wert", "score"),
    "test_no_curated": ("Keine kuratierte Antwort passt.", "No curated answer matches."),
    "test_closest": ("Am nächsten", "Closest"),
    "test_kind_conflict": (
        "fragt nach etwas anderem (Zeit, Ort, Preis, Person)",
        "asks for something else (time, place, price, person)",
    ),
    "test_passages": ("Der Bot sucht in diesen Abschnitten:", "The bot searches these passages:"),
    "test_nothing": ("Die Suche findet nichts Passendes.", "The search finds nothing relevant."),
    "no_matcher": (
        "Kuratierte Antworten sind in diesem Prozess nicht aktiv.",
        "Curated answers are not active in this process.",
    ),
    "search_failed": ("Die Suche ist fehlgeschlagen.", "The search failed."),
    "curated_answer": ("kuratierte Antwort", "curated answer"),
    "closed_by": ("erledigt durch", "closed by"),
    "bot_answered": ("Das hat der Bot geantwortet", "What the bot answered"),
    "answer_not_logged": (
        "(nicht protokolliert: Frage vor dieser Version gestellt)",
        "(not logged: asked before this version)",
    ),
    "mode_extractive": ("Zitate aus den Dokumenten", "quotes from the documents"),
    "mode_llm": ("Sprachmodell", "language model"),
    "mode_curated": ("kuratiert", "curated"),
    "merge_into": ("Zusammenführen mit", "Merge into"),
    "merge": ("Zusammenführen", "Merge"),
    "merged": ("Zusammengeführt.", "Merged."),
    "yes": ("ja", "yes"),
    "no": ("nein", "no"),
    # ---- documents
    "search_docs_help": (
        "Sucht in Titel, Adresse und im ganzen Text, auch in PDFs und innerhalb von Wörtern (ab 3 Buchstaben).",
        "Searches titles, addresses and the whole text, PDFs included, also inside words (3 letters or more).",
    ),
    "doc_date": ("Datum", "Date"),
    "doc_views": ("Ansichten des Dokuments", "Document views"),
    "chunks": ("Abschnitte im Index", "Indexed chunks"),
    "chunk": ("Abschnitt", "Chunk"),
    "chunks_help": (
        "So durchsucht der Bot dieses Dokument (Live-Index {collection}): Überschriftenpfad, Titel, Datum und Text je Abschnitt.",
        "How the bot searches this document (live index {collection}): heading path, title, date and text per chunk.",
    ),
    "chunks_unavailable": ("Abschnitte nicht verfügbar", "Chunks unavailable"),
    "no_chunks": ("Keine Abschnitte im Live-Index.", "No chunks in the live index."),
    "heading_path": ("Überschriften", "Headings"),
    "listing": ("Übersichtsseite", "Listing page"),
    "advanced": ("Erweitert", "Advanced"),
    "doc_excluded": (
        "Ausgeschlossen (Muster {pattern}): nicht im Live-Index und bei künftigen Crawls übersprungen.",
        "Excluded (pattern {pattern}): not in the live index and skipped by future crawls.",
    ),
    "excluded_now": (
        "Ausgeschlossen: {docs} Dokument(e), {points} Abschnitte sofort aus dem Live-Index entfernt; künftige Crawls überspringen sie.",
        "Excluded: {docs} document(s), {points} chunks removed from the live index now; future crawls skip them.",
    ),
    "excluded_later": (
        "Ausgeschlossen; der Live-Index wird gerade geschrieben, die Dokumente verschwinden mit dem nächsten Crawl.",
        "Excluded; the live index is being written, the documents leave it with the next crawl.",
    ),
    # ---- users, account, login
    "actions": ("Aktionen", "Actions"),
    "inactive": ("deaktiviert", "deactivated"),
    "must_change": ("muss Passwort ändern", "must change password"),
    "must_change_now": (
        "Bitte zuerst ein eigenes Passwort wählen (das bisherige war ein vorläufiges).",
        "Please choose your own password first (the current one was temporary).",
    ),
    "reset_password": ("Passwort zurücksetzen", "Reset password"),
    "reset_q": (
        "Passwort von {email} zurücksetzen? Alle Sitzungen enden.",
        "Reset the password of {email}? All sessions end.",
    ),
    "delete_user_q": ("Benutzer {email} löschen?", "Delete user {email}?"),
    "temp_password_for": ("Vorläufiges Passwort für {email}:", "Temporary password for {email}:"),
    "temp_password_help": (
        "Wird nur jetzt angezeigt. Bitte sicher weitergeben; beim Anmelden muss ein eigenes gewählt werden.",
        "Shown only now. Pass it on safely; a new one must be chosen at log-in.",
    ),
    "secure_cookie_lost": (
        "Diese Seite wurde über unverschlüsseltes http:// geöffnet, die Anmelde-Cookies sind aber als „Secure“ gesetzt: der Browser verwirft sie, die Anmeldung kann so nicht gelingen. Bitte die Verwaltung über https:// öffnen (oder für einen lokalen Test CONSOLE_COOKIE_SECURE=false setzen).",
        "This page was opened over plain http://, but the log-in cookies are set “Secure”: the browser drops them and the log-in cannot work. Open the console over https:// (or, for a local test, set CONSOLE_COOKIE_SECURE=false).",
    ),
    # ---- forms
    "form_has_errors": (
        "Bitte {n} markierte(s) Feld(er) korrigieren.",
        "Please correct the {n} marked field(s).",
    ),
    "err_required": ("Bitte ausfüllen.", "Please fill in."),
    "err_too_long": ("Zu lang: höchstens {n} Zeichen.", "Too long: {n} characters at most."),
    "err_no_key_terms": (
        "Die Frage braucht mindestens ein inhaltliches Wort.",
        "The question needs at least one content word.",
    ),
    "err_source_line": (
        "Zeile {line}: „{url}“ ist keine Web-Adresse (mit http:// oder https://).",
        "Line {line}: “{url}” is no web address (with http:// or https://).",
    ),
    "err_name_pattern": (
        "Nur Kleinbuchstaben, Ziffern, - und _, beginnend mit Buchstabe oder Ziffer (z. B. verband).",
        "Lower-case letters, digits, - and _ only, starting with a letter or digit (e.g. club).",
    ),
    "err_name_taken": (
        "Eine Quelle mit diesem Namen gibt es schon.",
        "A source with this name exists already.",
    ),
    "err_url": (
        "„{url}“ ist keine vollständige Web-Adresse; bitte mit https:// angeben.",
        "“{url}” is no complete web address; include https://.",
    ),
    "err_regex": (
        "Zeile {line} ist kein gültiger regulärer Ausdruck: {why}",
        "Line {line} is no valid regular expression: {why}",
    ),
    "err_prefix": (
        "Zeile {line}: bitte eine Adresse oder einen Pfad wie /verband/ angeben.",
        "Line {line}: give an address or a path such as /club/.",
    ),
    "err_whole_number": ("Bitte eine ganze Zahl angeben.", "Please give a whole number."),
    "err_range": ("Bitte eine Zahl von {lo} bis {hi}.", "Please give a number from {lo} to {hi}."),
    "err_time": ("Uhrzeit bitte als HH:MM, z. B. 03:00.", "Time as HH:MM please, e.g. 03:00."),
    "err_cron": (
        "Kein gültiger Zeitplan im cron-Format (5 Felder, z. B. 0 3 * * 1).",
        "No valid cron schedule (5 fields, e.g. 0 3 * * 1).",
    ),
    "err_host": ("„{host}“ ist kein Hostname.", "“{host}” is no host name."),
    "err_source": ("Die Quelle ist so nicht gültig: {detail}", "The source is not valid like this: {detail}"),
    # ---- sources, schedule, scope
    "source_name": ("Name (kurz, für Adressen)", "Name (short, used in addresses)"),
    "allowed_hosts": ("Weitere erlaubte Hosts", "Further allowed hosts"),
    "allowed_hosts_help": (
        "Andere Hostnamen, die zur Website gehören (z. B. dokumente.verein.de), einer pro Zeile.",
        "Other host names that belong to the site (e.g. docs.club.org), one per line.",
    ),
    "only_under": ("Nur Seiten unter …", "Only pages under …"),
    "only_under_help": (
        "Adressen oder Pfade, eine pro Zeile, z. B. /verband/; leer: die ganze Website.",
        "Addresses or paths, one per line, e.g. /club/; empty: the whole site.",
    ),
    "not_under": ("Nicht unter …", "Not under …"),
    "not_under_help": (
        "Adressen oder Pfade, die übersprungen werden, z. B. /intern/.",
        "Addresses or paths to skip, e.g. /internal/.",
    ),
    "include_regex": (
        "Nur URLs, die passen (reguläre Ausdrücke)",
        "Only URLs matching (regular expressions)",
    ),
    "exclude_regex": ("URLs ausschließen (reguläre Ausdrücke)", "Exclude URLs (regular expressions)"),
    "schedule_pick": ("Automatisch crawlen", "Crawl automatically"),
    "sched_manual": ("nie (nur von Hand)", "never (by hand only)"),
    "sched_daily": ("täglich", "daily"),
    "sched_weekly": ("wöchentlich", "weekly"),
    "sched_monthly": ("monatlich", "monthly"),
    "sched_custom": ("eigener Zeitplan (cron, unter „Erweitert“)", "custom (cron, under “Advanced”)"),
    "sched_time": ("Uhrzeit", "Time"),
    "sched_weekday": ("Wochentag", "Weekday"),
    "sched_day": ("Tag im Monat", "Day of month"),
    "sched_cron": ("Zeitplan im cron-Format", "Schedule as cron"),
    "sched_cron_help": (
        "Nur für „eigener Zeitplan“: Minute Stunde Tag Monat Wochentag, z. B. 0 3 * * 1.",
        "Only for “custom”: minute hour day month weekday, e.g. 0 3 * * 1.",
    ),
    "sched_text_daily": ("täglich um {time} Uhr", "daily at {time}"),
    "sched_text_weekly": ("wöchentlich {day} um {time} Uhr", "weekly on {day} at {time}"),
    "sched_text_monthly": ("monatlich am {day}. um {time} Uhr", "monthly on day {day} at {time}"),
    "weekdays": (
        "Sonntag,Montag,Dienstag,Mittwoch,Donnerstag,Freitag,Samstag",
        "Sunday,Monday,Tuesday,Wednesday,Thursday,Friday,Saturday",
    ),
    "warn_start_refused": (
        "Gespeichert, aber Achtung: die Start-Adresse {url} kann nicht gecrawlt werden ({why}). Ein Crawl fände so nichts.",
        "Saved, but note: the start address {url} cannot be crawled ({why}). A crawl would find nothing.",
    ),
    "warning": ("Warnung", "Warning"),
    "crawl_started_live": (
        "Crawl gestartet. Der Fortschritt erscheint hier, sobald der Lauf beginnt.",
        "Crawl started. Progress shows here as soon as the run begins.",
    ),
    "status_warning": ("Warnung", "warning"),
    "status_running": ("läuft", "running"),
    "status_starting": ("wird gestartet", "starting"),
    "run_nothing": (
        "Nichts abgerufen: kein Dokument neu, geändert oder unverändert.",
        "Nothing fetched: no document new, changed or unchanged.",
    ),
    "count_new": ("neu", "new"),
    "count_changed": ("geändert", "changed"),
    "count_unchanged": ("unverändert", "unchanged"),
    "count_skipped": ("übersprungen", "skipped"),
    "count_blocked": ("gesperrt", "blocked"),
    "count_failed": ("fehlgeschlagen", "failed"),
    "count_gone": ("entfernt", "removed"),
    "reasons": ("Gründe", "Reasons"),
    "live_status": ("Aktueller Lauf", "Current run"),
    "progress_text": (
        "{step}: {done} von {total} Dokumenten, {chunks} Abschnitte eingebettet",
        "{step}: {done} of {total} documents, {chunks} chunks embedded",
    ),
    "step_crawl": ("Abrufen", "Fetching"),
    "step_extract": ("Text erkennen", "Extracting"),
    "step_index": ("Indexieren", "Indexing"),
    "times_in": ("Zeiten in", "Times in"),
    # ---- versions
    "version_label": ("Version {n}", "Version {n}"),
    "version_settings": ("Einstellungen", "Settings"),
    "chunk_size": ("Abschnitte {lo}–{hi} Wörter", "chunks {lo}–{hi} words"),
    "with_keywords": ("mit Stichwortsuche", "with keyword search"),
}


# audit log actions, in words
AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    "curated.create": ("Kuratierte Antwort angelegt", "Curated answer created"),
    "curated.update": ("Kuratierte Antwort geändert", "Curated answer changed"),
    "curated.delete": ("Kuratierte Antwort gelöscht", "Curated answer deleted"),
    "question.done": ("Offene Frage erledigt", "Open question done"),
    "question.reopen": ("Offene Frage wieder geöffnet", "Open question reopened"),
    "question.merge": ("Offene Fragen zusammengeführt", "Open questions merged"),
    "export.questions": ("Fragen exportiert", "Questions exported"),
    "source.create": ("Quelle angelegt", "Source created"),
    "source.update": ("Quelle geändert", "Source changed"),
    "source.delete": ("Quelle gelöscht", "Source deleted"),
    "source.crawl": ("Crawl gestartet", "Crawl started"),
    "source.exclude": ("Dokument ausgeschlossen", "Document excluded"),
    "index.promote": ("Index-Version live geschaltet", "Index version promoted"),
    "index.rollback": ("Index zurückgerollt", "Index rolled back"),
    "user.create": ("Benutzer angelegt", "User created"),
    "user.update": ("Benutzer geändert", "User changed"),
    "user.delete": ("Benutzer gelöscht", "User deleted"),
    "user.unlock": ("Benutzer entsperrt", "User unlocked"),
    "user.locked": ("Konto gesperrt (Fehlversuche)", "Account locked (failed log-ins)"),
    "user.password": ("Passwort geändert", "Password changed"),
    "user.password_reset": ("Passwort zurückgesetzt", "Password reset"),
    "token.create": ("API-Token erzeugt", "API token created"),
    "token.revoke": ("API-Token widerrufen", "API token revoked"),
    "retention": ("Alte Chat-Protokolle gelöscht", "Old chat logs deleted"),
}
# error codes of the domain errors, in words (the English message stays in the logs)
ERRORS: dict[str, tuple[str, str]] = {
    "weak_password": (
        "Das Passwort ist zu kurz: mindestens 10 Zeichen.",
        "Password too short: at least 10 characters.",
    ),
    "wrong_password": ("Das aktuelle Passwort stimmt nicht.", "The current password is wrong."),
    "invalid_email": ("Das ist keine E-Mail-Adresse.", "That is no e-mail address."),
    "user_exists": ("Diesen Benutzer gibt es schon.", "This user exists already."),
    "self_demotion": (
        "Sie können sich nicht selbst herabstufen oder deaktivieren.",
        "You cannot demote or deactivate yourself.",
    ),
    "self_delete": ("Sie können sich nicht selbst löschen.", "You cannot delete yourself."),
    "last_admin": ("Die letzte aktive Administration muss bleiben.", "The last active admin must stay."),
    "user_not_found": ("Unbekannter Benutzer.", "Unknown user."),
    "invalid_token_name": ("Bitte dem Token einen Namen geben.", "Give the token a name."),
    "token_not_found": ("Unbekanntes Token.", "Unknown token."),
    "missing_fields": ("Es fehlen Angaben.", "Something is missing."),
    "curated_not_found": ("Unbekannte kuratierte Antwort.", "Unknown curated answer."),
    "source_not_found": ("Unbekannte Quelle.", "Unknown source."),
    "invalid_pattern": (
        "Das Muster ist kein gültiger regulärer Ausdruck.",
        "The pattern is no valid regular expression.",
    ),
    "no_crawl": (
        "Crawlen ist in diesem Prozess nicht eingerichtet.",
        "Crawling is not set up in this process.",
    ),
    "no_index": ("In diesem Prozess gibt es keinen Index.", "There is no index in this process."),
    "index_locked": (
        "Der Index wird gerade von einem Crawl geschrieben; bitte gleich erneut versuchen.",
        "A crawl is writing the index; try again shortly.",
    ),
}


def error_text(lang: str, exc: Exception) -> str:
    """The UI text for a domain error (by its code), else its message."""
    i = LANGS.index(lang) if lang in LANGS else 0
    pair = ERRORS.get(str(getattr(exc, "code", "")))
    return pair[i] if pair else str(exc)


def action_text(lang: str, action: str) -> str:
    pair = AUDIT_ACTIONS.get(action)
    return pair[LANGS.index(lang) if lang in LANGS else 0] if pair else action


BERLIN = ZoneInfo("Europe/Berlin")


def berlin(value: object, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A time in Europe/Berlin, labelled with its zone (MEZ/MESZ) when it has a clock time."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        raw = value
        try:
            value = datetime.fromisoformat(raw.replace(" ", "T").replace("Z", "+00:00"))
        except ValueError:
            return raw
    if not isinstance(value, datetime):
        return str(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(BERLIN)
    text = local.strftime(fmt)
    if "%H" in fmt:
        text += " MESZ" if local.dst() else " MEZ"
    return text


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
