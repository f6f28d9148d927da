// The twin's build card: the bar, the step, the time left, and what went wrong, live from
// the memorial's "twin.build" events (memorial-events.js dispatches them as "memorial:event").
// A build that ends (ready, failed, stopped) reloads the page, which then shows the version
// that serves, or the reason and "Try again".
(function () {
    const card = document.querySelector("[data-twin-build]");
    const names = document.getElementById("event-names");
    if (!card || !names) return;
    const TWIN_BUILD = JSON.parse(names.textContent).kinds.TWIN_BUILD;
    const RUNNING = ["queued", "building"];

    function part(name) { return card.querySelector("[data-twin-" + name + "]"); }

    function timeLeft(seconds) {
        if (seconds === null || seconds === undefined) return "";
        if (seconds < 60) return " · less than a minute left";
        const minutes = Math.round(seconds / 60);
        if (minutes < 90) return " · about " + minutes + " minute" + (minutes === 1 ? "" : "s") + " left";
        return " · about " + Math.round(minutes / 60) + " hours left";
    }

    document.addEventListener("memorial:event", function (event) {
        if (event.detail.kind !== TWIN_BUILD) return;
        const data = event.detail.data;
        const before = card.dataset.status;
        card.dataset.status = data.status;
        if (RUNNING.indexOf(data.status) >= 0) {
            part("progress").hidden = false;
            part("failure").hidden = true;
            const start = part("start");
            if (start) start.hidden = true;
            part("step").textContent = data.step_label || "Waiting to start";
            part("percent").textContent = data.percent;
            part("bar").value = data.percent;
            part("bar").textContent = data.percent + "%";
            part("left").textContent = timeLeft(data.seconds_left);
            part("notice").textContent = data.notice || "";
        } else if (before !== data.status) {
            window.location.reload();
            return;
        }
        part("stale").hidden = !data.stale;
        part("stale-reason").textContent = data.stale_reason || "";
        const start = part("start");
        if (start && data.stale && RUNNING.indexOf(data.status) < 0) start.hidden = false;
    });
})();
