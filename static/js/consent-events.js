// When the subject withdraws a consent, every open page of the memorial says so at once
// (the event arrives through memorial-events.js as a "memorial:event"; its kind is the one
// core/events.py declares, rendered into the page by {% event_names %}).
(function () {
    const names = document.getElementById("event-names");
    if (!names) return;
    const KINDS = JSON.parse(names.textContent).kinds;
    const LABELS = {
        corpus: "your writing",
        voice: "your voice",
        conversation_living: "conversations while you live",
        conversation_posthumous: "conversations after your death",
        commercial: "commercial use",
    };
    document.addEventListener("memorial:event", function (event) {
        const detail = event.detail || {};
        if (detail.kind !== KINDS.CONSENT_REVOKED) return;
        const scope = (detail.data || {}).scope;
        let box = document.querySelector(".messages");
        if (!box) {
            box = document.createElement("div");
            box.className = "messages";
            box.setAttribute("role", "status");
            document.querySelector("main").before(box);
        }
        const note = document.createElement("p");
        note.className = "message warning";
        note.textContent = "Consent for " + (LABELS[scope] || scope) +
            " has been withdrawn. Anything relying on it has stopped.";
        box.appendChild(note);
    });
})();
