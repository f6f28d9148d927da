// Listens to the memorial's event socket and re-broadcasts each event on `document`
// as a "memorial:event" CustomEvent, so each page part (progress bars, state) can react.
(function () {
    const head = document.querySelector("[data-events-url]");
    if (!head) return;
    const status = document.querySelector("[data-live-status]");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let delay = 1000;

    function setStatus(text) { if (status) status.textContent = text; }

    function connect() {
        const socket = new WebSocket(scheme + location.host + head.dataset.eventsUrl);
        socket.onopen = function () { delay = 1000; setStatus("live"); };
        socket.onmessage = function (message) {
            const event = JSON.parse(message.data);
            document.dispatchEvent(new CustomEvent("memorial:event", { detail: event }));
            if (event.kind === "state") {
                const state = document.querySelector("[data-memorial-state]");
                if (state) state.textContent = event.data.state;
            }
        };
        socket.onclose = function (closing) {
            if (closing.code === 4404) { setStatus("not available"); return; }
            setStatus("reconnecting…");
            setTimeout(connect, delay);
            delay = Math.min(delay * 2, 30000);
        };
    }
    connect();
})();
