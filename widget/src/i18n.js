// User-visible texts in German and English.
const TEXTS = {
  de: {
    title: "Fragen Sie uns",
    open: "Chat öffnen",
    close: "Chat schließen",
    newChat: "Neue Unterhaltung",
    input: "Ihre Frage",
    placeholder: "Frage eingeben …",
    send: "Senden",
    you: "Sie",
    bot: "Assistent",
    conversation: "Unterhaltung",
    greeting: "Hallo! Stellen Sie Ihre Frage – ich antworte mit Quellen von dieser Website.",
    thinking: "Antwort wird erstellt …",
    sources: "Quellen",
    page: "S.",
    extractive: "Ohne KI-Modell: zitierte Textstellen",
    helpful: "Hilfreich",
    notHelpful: "Nicht hilfreich",
    thanks: "Danke für Ihr Feedback!",
    feedbackFailed: "Feedback konnte nicht gesendet werden.",
    offline: "Sie sind offline. Bitte prüfen Sie Ihre Internetverbindung.",
    network: "Keine Verbindung zum Server. Bitte versuchen Sie es später erneut.",
    rateLimited: "Zu viele Anfragen. Bitte in {s} s erneut versuchen.",
    tooLong: "Die Nachricht ist zu lang.",
    badRequest: "Die Anfrage konnte nicht verarbeitet werden.",
    server: "Der Dienst ist gerade gestört. Bitte versuchen Sie es später erneut.",
    interrupted: "Die Antwort wurde unterbrochen.",
    retry: "Erneut senden",
    disclaimer: "Antworten können Fehler enthalten – bitte prüfen Sie die Quellen.",
    answerReady: "Antwort: ",
  },
  en: {
    title: "Ask us",
    open: "Open chat",
    close: "Close chat",
    newChat: "New conversation",
    input: "Your question",
    placeholder: "Type your question …",
    send: "Send",
    you: "You",
    bot: "Assistant",
    conversation: "Conversation",
    greeting: "Hello! Ask your question – I answer with sources from this website.",
    thinking: "Writing the answer …",
    sources: "Sources",
    page: "p.",
    extractive: "No AI model: quoted passages",
    helpful: "Helpful",
    notHelpful: "Not helpful",
    thanks: "Thank you for your feedback!",
    feedbackFailed: "Feedback could not be sent.",
    offline: "You are offline. Please check your internet connection.",
    network: "Cannot reach the server. Please try again later.",
    rateLimited: "Too many requests. Please try again in {s} s.",
    tooLong: "The message is too long.",
    badRequest: "The request could not be processed.",
    server: "The service is having problems. Please try again later.",
    interrupted: "The answer was interrupted.",
    retry: "Send again",
    disclaimer: "Answers may contain mistakes – please check the sources.",
    answerReady: "Answer: ",
  },
};

export function pickLang(requested, documentLang) {
  const want = (requested || documentLang || "de").toLowerCase();
  return want.startsWith("en") ? "en" : "de";
}

export function texts(lang) {
  return TEXTS[lang] || TEXTS.de;
}
