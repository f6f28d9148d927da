// The voice pages (templates/voice/): follow the analysis of samples while it runs (pushed
// over the memorial's socket), and move on once the recorder (voice-recorder.js) has sent a
// recording.
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

    // Each sample heard (or stopped) is pushed as a "voice.sample" event on the memorial's
    // socket (memorial-events.js); once none is left to hear, the page reloads to show the
    // verdicts and advice.
    const names = document.getElementById("event-names");
    if (!names) return;
    const KINDS = JSON.parse(names.textContent).kinds;

    // The spoken consent page: its words checked (a task), the page shows the outcome.
    const checking = document.querySelector("[data-spoken-checking]");
    if (checking) {
        document.addEventListener("memorial:event", function (event) {
            if (event.detail.kind !== KINDS.VOICE_SPOKEN_CONSENT) return;
            if (event.detail.data.spoken_id === checking.dataset.spokenChecking) window.location.reload();
        });
    }

    const list = document.querySelector("[data-samples-analysing]");
    if (!list) return;
    const VOICE_SAMPLE = KINDS.VOICE_SAMPLE;
    const progress = document.querySelector("[data-samples-progress]");
    let waiting = Number(list.dataset.samplesAnalysing || "0");

    document.addEventListener("memorial:event", function (event) {
        if (event.detail.kind !== VOICE_SAMPLE) return;
        const data = event.detail.data;
        const status = list.querySelector('[data-sample-id="' + data.sample_id + '"] [data-sample-status]');
        if (status) status.textContent = data.label;
        if (progress) {
            progress.textContent = data.analysing
                ? "Listening to " + data.analysing + " recording" + (data.analysing === 1 ? "" : "s") + "…"
                : "";
        }
        if (waiting && !data.analysing) {
            window.location.reload();  // every sample heard: show the verdicts
            return;
        }
        waiting = data.analysing;
    });
})();
