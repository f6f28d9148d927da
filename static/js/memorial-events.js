// Listens to the memorial's event socket and re-broadcasts each event on `document`
// as a "memorial:event" CustomEvent, so each page part (progress bars, state) can react.
// Event kinds and close codes are the ones core/events.py declares, rendered into the page
// by {% event_names %}.
(function () {
    const head = document.querySelector("[data-events-url]");
    const names = document.getElementById("event-names");
    if (!head || !names) return;
    const KINDS = JSON.parse(names.textContent).kinds;
    const CLOSES = JSON.parse(names.textContent).closes;
    // Closed for good: the socket says why and does not come back by itself.
    const ENDED = {};
    ENDED[CLOSES.SIGNED_OUT] = ["signed out", "You have signed out. Sign in again to see live updates."];
    ENDED[CLOSES.SESSION_EXPIRED] = ["session ended", "Your session has ended. Sign in again to see live updates."];
    ENDED[CLOSES.MEMBERSHIP_REMOVED] = ["not available", "You are no longer part of this memorial."];
    ENDED[CLOSES.NOT_FOUND] = ["not available", ""];
    ENDED[CLOSES.ERASED] = ["erased", ""];
    const status = document.querySelector("[data-live-status]");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let delay = 1000;

    function setStatus(text) { if (status) status.textContent = text; }

    function notify(text) {
        let box = document.querySelector(".messages");
        if (!box) {
            box = document.createElement("div");
            box.className = "messages";
            box.setAttribute("role", "status");
            document.querySelector("main").before(box);
        }
        const note = document.createElement("p");
        note.className = "message";
        note.textContent = text;
        box.appendChild(note);
    }

    function connect() {
        const socket = new WebSocket(scheme + location.host + head.dataset.eventsUrl);
        socket.onopen = function () { delay = 1000; setStatus("updates as they happen"); };
        socket.onmessage = function (message) {
            const event = JSON.parse(message.data);
            document.dispatchEvent(new CustomEvent("memorial:event", { detail: event }));
            if (event.kind === KINDS.STATE) {
                const state = document.querySelector("[data-memorial-state]");
                if (state) state.textContent = event.data.state.charAt(0).toUpperCase() + event.data.state.slice(1);
            }
        };
        socket.onclose = function (closing) {
            const ended = ENDED[closing.code];
            if (ended) {
                setStatus(ended[0]);
                if (ended[1]) notify(ended[1]);
                return;
            }
            setStatus("reconnecting…");
            setTimeout(connect, delay);
            delay = Math.min(delay * 2, 30000);
        };
    }
    connect();
})();
