// The voice pages (templates/voice/): follow the analysis of samples while it runs, and move
// on once the recorder (voice-recorder.js) has sent a recording.
(function () {
    "use strict";

    // A recording kept: the samples page shows it (and its analysis) after a reload; the
    // spoken consent page shows what was checked.
    document.addEventListener("voice-recorder:sent", function (event) {
        const body = event.detail.body || {};
        if (!event.detail.ok) return;
        window.setTimeout(function () {
            window.location.assign(body.next || window.location.href);
        }, 600);
    });

    const list = document.querySelector("[data-samples-status-url]");
    if (!list) return;
    let waiting = Number(list.dataset.analysing || "0");
    const progress = document.querySelector("[data-samples-progress]");

    async function poll() {
        let body;
        try {
            const response = await fetch(list.dataset.samplesStatusUrl, { credentials: "same-origin" });
            if (!response.ok) return;
            body = await response.json();
        } catch (error) {
            return;
        }
        body.samples.forEach(function (sample) {
            const status = list.querySelector('[data-sample-id="' + sample.id + '"] [data-sample-status]');
            if (status) status.textContent = sample.verdict_label || sample.status_label;
        });
        if (progress) {
            progress.textContent = body.analysing
                ? "Listening to " + body.analysing + " recording" + (body.analysing === 1 ? "" : "s") + "…"
                : "";
        }
        if (waiting && !body.analysing) {
            window.location.reload();  // every sample heard: show the verdicts
            return;
        }
        waiting = body.analysing;
    }

    if (waiting) window.setInterval(poll, 2000);
})();
