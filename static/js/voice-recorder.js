// A voice recorder for Legacy's pages: record in the browser (MediaRecorder), with a level
// meter, pause and resume, a clear state in words, a listen-back before sending, and the
// recording sent as a file with the form's other fields. Works on phones (Safari records
// audio/mp4, others webm or ogg with Opus).
//
// Markup (see templates/voice/_recorder.html):
//   <div data-voice-recorder data-upload-url="..." data-field="files">
//     <input type="hidden" name="..." value="..."> (sent along; the csrf token too)
//     [data-recorder-state] [data-recorder-time]
//     [data-recorder-level] (role=meter) holding [data-recorder-level-fill]
//     buttons: [data-recorder-start] [data-recorder-pause] [data-recorder-resume]
//              [data-recorder-stop] [data-recorder-listen] [data-recorder-send]
//              [data-recorder-again]
//   </div>
// Listening back decodes the recording with Web Audio and plays it from memory (no blob:
// URL, which the Content-Security-Policy would refuse).
// When the server has answered, the element fires "voice-recorder:sent" with
// {detail: {ok, status, body}} (body: the JSON answer); the page decides what follows.
(function () {
    "use strict";

    const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
    const EXTENSIONS = { "audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a" };

    function chosenType() {
        if (!window.MediaRecorder || !MediaRecorder.isTypeSupported) return "";
        return TYPES.find(function (type) { return MediaRecorder.isTypeSupported(type); }) || "";
    }

    function clock(seconds) {
        const whole = Math.floor(seconds);
        return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
    }

    function attach(root) {
        const part = function (name) { return root.querySelector("[data-recorder-" + name + "]"); };
        const state = part("state");
        const time = part("time");
        const level = part("level");
        const levelFill = part("level-fill");
        const loud = part("loud");
        const buttons = {
            start: part("start"), pause: part("pause"), resume: part("resume"),
            stop: part("stop"), listen: part("listen"), send: part("send"), again: part("again"),
        };
        let stream = null, recorder = null, chunks = [], blob = null, audioContext = null;
        let player = null, playing = null;
        let elapsed = 0, startedAt = 0, ticking = null, frame = null, peakHeldUntil = 0;

        function show(which) {
            Object.keys(buttons).forEach(function (name) {
                if (buttons[name]) buttons[name].hidden = which.indexOf(name) < 0;
            });
        }

        function say(text, kind) {
            state.textContent = text;
            state.className = "recorder-state" + (kind ? " recorder-" + kind : "");
            root.dataset.state = kind || "";
        }

        if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
            say("This browser cannot record sound. You can upload a recording instead.", "error");
            show([]);
            return;
        }

        function seconds() {
            return elapsed + (recorder && recorder.state === "recording" ? (Date.now() - startedAt) / 1000 : 0);
        }

        function tick() { if (time) time.textContent = clock(seconds()); }

        // The level shown falls back slowly (a peak hold), so a syllable shows as a bar that
        // can be seen, not a flicker; while paused nothing is recorded and it rests at zero.
        let shown = 0;
        function showLevel(value) { // 0 to 1; the bar's fill, and the meter's value for a screen reader
            if (!level) return;
            level.setAttribute("aria-valuenow", String(Math.round(value * 100)));
            if (levelFill) levelFill.style.transform = "scaleX(" + value.toFixed(3) + ")";
            level.toggleAttribute("data-loud", Date.now() <= peakHeldUntil);
        }
        function meter(analyser) {
            const data = new Float32Array(analyser.fftSize);
            function draw() {
                let target = 0;
                if (recorder && recorder.state === "recording") {
                    analyser.getFloatTimeDomainData(data);
                    let sum = 0, peak = 0;
                    for (let i = 0; i < data.length; i++) {
                        sum += data[i] * data[i];
                        peak = Math.max(peak, Math.abs(data[i]));
                    }
                    const db = 10 * Math.log10(sum / data.length + 1e-12);
                    // -60 dBFS (silence) to 0 dBFS (as loud as it can record), as 0 to 1.
                    target = Math.max(0, Math.min(1, (db + 60) / 60));
                    if (peak > 0.98) peakHeldUntil = Date.now() + 1500;
                } else {
                    shown = 0;
                }
                shown = Math.max(target, shown - 0.015);
                showLevel(shown);
                if (loud) loud.hidden = Date.now() > peakHeldUntil;
                frame = window.requestAnimationFrame(draw);
            }
            draw();
        }

        function release() {
            if (frame) window.cancelAnimationFrame(frame);
            if (ticking) window.clearInterval(ticking);
            frame = ticking = null;
            if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
            if (audioContext) audioContext.close();
            stream = audioContext = null;
            shown = 0;
            showLevel(0);
            if (loud) loud.hidden = true;
        }

        async function start() {
            say("Asking your browser for the microphone…", "asking");
            show([]);
            try {
                stream = await navigator.mediaDevices.getUserMedia({
                    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: true },
                });
            } catch (error) {
                say("The microphone could not be used. Allow it for this page in your browser's "
                    + "settings, then try again.", "error");
                show(["start"]);
                return;
            }
            const type = chosenType();
            recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
            chunks = [];
            blob = null;
            elapsed = 0;
            recorder.addEventListener("dataavailable", function (event) {
                if (event.data && event.data.size) chunks.push(event.data);
            });
            recorder.addEventListener("stop", function () {
                blob = new Blob(chunks, { type: recorder.mimeType || type || "audio/webm" });
                say("Recorded " + clock(elapsed) + ". Listen to it, then keep it or record again.", "review");
                show(["listen", "send", "again"]);
            });
            const AudioContextClass = window.AudioContext || window.webkitAudioContext;
            if (AudioContextClass) {
                audioContext = new AudioContextClass();
                // Safari starts it suspended when it is made after an await, not in the tap.
                if (audioContext.state === "suspended") audioContext.resume();
                const analyser = audioContext.createAnalyser();
                analyser.fftSize = 2048;
                audioContext.createMediaStreamSource(stream).connect(analyser);
                meter(analyser);
            }
            recorder.start(1000);
            startedAt = Date.now();
            ticking = window.setInterval(tick, 250);
            say("Recording. Speak as you would to someone across a table.", "recording");
            show(["pause", "stop"]);
        }

        function pause() {
            recorder.pause();
            elapsed += (Date.now() - startedAt) / 1000;
            tick();
            peakHeldUntil = 0;
            say("Paused at " + clock(elapsed) + ". Resume when you are ready.", "paused");
            show(["resume", "stop"]);
        }

        function resume() {
            recorder.resume();
            startedAt = Date.now();
            say("Recording. Speak as you would to someone across a table.", "recording");
            show(["pause", "stop"]);
        }

        function stop() {
            if (recorder.state === "recording") elapsed += (Date.now() - startedAt) / 1000;
            recorder.stop();
            release();
            tick();
        }

        async function send() {
            if (!blob) return;
            silence();
            say("Sending your recording…", "sending");
            show([]);
            const form = new FormData();
            root.querySelectorAll("input[type=hidden]").forEach(function (input) {
                form.append(input.name, input.value);
            });
            const base = blob.type.split(";")[0];
            const stamp = new Date().toISOString().slice(0, 16).replace("T", " ").replace(":", "h");
            form.append(root.dataset.field || "files", blob,
                "Recording " + stamp + "." + (EXTENSIONS[base] || "webm"));
            let response, body = {};
            try {
                response = await fetch(root.dataset.uploadUrl, {
                    method: "POST", body: form, credentials: "same-origin",
                    headers: { "X-Requested-With": "fetch" },
                });
                body = await response.json().catch(function () { return {}; });
            } catch (error) {
                say("Your recording could not be sent (the connection dropped). It is still here: "
                    + "try sending it again.", "error");
                show(["listen", "send", "again"]);
                return;
            }
            const problem = body.error || (body.errors && body.errors.length && body.errors[0].error);
            if (!response.ok || problem) {
                say(problem || "Your recording could not be kept. Please try again.", "error");
                show(["listen", "send", "again"]);
            } else {
                say("Sent. Thank you.", "sent");
                show(["again"]);
            }
            root.dispatchEvent(new CustomEvent("voice-recorder:sent", {
                bubbles: true, detail: { ok: response.ok && !problem, status: response.status, body: body },
            }));
        }

        function silence() {
            if (playing) playing.stop();
            playing = null;
            if (buttons.listen) buttons.listen.textContent = "Listen back";
        }

        async function listen() {
            if (playing) { silence(); return; }
            const AudioContextClass = window.AudioContext || window.webkitAudioContext;
            if (!blob || !AudioContextClass) return;
            try {
                player = player || new AudioContextClass();
                const buffer = await player.decodeAudioData(await blob.arrayBuffer());
                playing = player.createBufferSource();
                playing.buffer = buffer;
                playing.connect(player.destination);
                playing.addEventListener("ended", silence);
                playing.start();
                buttons.listen.textContent = "Stop listening";
            } catch (error) {
                say("This browser cannot play the recording back here. You can still keep it, "
                    + "and play it from your list.", "review");
            }
        }

        function again() {
            silence();
            blob = null;
            if (time) time.textContent = clock(0);
            start();
        }

        const actions = {
            start: start, pause: pause, resume: resume, stop: stop, listen: listen, send: send, again: again,
        };
        Object.keys(actions).forEach(function (name) {
            if (buttons[name]) buttons[name].addEventListener("click", function (event) {
                event.preventDefault();
                actions[name]();
            });
        });
        window.addEventListener("pagehide", release);
        say("Ready to record.", "idle");
        show(["start"]);
    }

    window.LegacyVoiceRecorder = { attach: attach };
    document.querySelectorAll("[data-voice-recorder]").forEach(attach);
})();
