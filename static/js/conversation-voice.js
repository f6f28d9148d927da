// The twin's voice on the conversation page (voice/speaking.py describes the server side).
// Spoken replies arrive on the conversation socket as "audio" messages, one sentence's whole
// audio a piece, in order (static/js/conversation.js hands them over as a
// "legacy:conversation-audio" event). Each piece is decoded with Web Audio and scheduled to
// start exactly when the one before ends, so sentences play back to back without gaps.
// Browsers only let sound play after a tap: the first tap or key press on the page unlocks it
// (sending a message is one); audio that comes before that offers "Tap to hear the reply".
// Before any of the voice, the page plays the session's audible AI line ("This is an AI
// voice made from Ann's recordings..."): heard live (the piece marked `line`), or, when this
// page has not played it (its socket was away when it was sent, or it opened since), spoken
// again from `voice:line` first; when that cannot be had, the voice is not played.
// Also: the text-only toggle, "speaking…" with a stop button, "Play again" under a spoken
// reply, and hold-to-speak (MediaRecorder): what was said lands in the composer to correct
// before sending; it is never sent by itself.
(function () {
    "use strict";
    const bar = document.querySelector("[data-voice]");
    if (!bar) return;
    const input = document.getElementById("composer-text");
    const toggle = bar.querySelector("[data-speak-toggle]");
    const speakingBox = bar.querySelector("[data-speaking]");
    const stopButton = bar.querySelector("[data-voice-stop]");
    const unlockButton = bar.querySelector("[data-voice-unlock]");
    const holdButton = bar.querySelector("[data-hold-to-speak]");
    const listenStatus = bar.querySelector("[data-listen-status]");
    const csrf = bar.querySelector("input[name=csrfmiddlewaretoken]");
    let speakOn = bar.hasAttribute("data-speak-on");

    // --- playback ---
    const AudioContextClass = window.AudioContext || window.webkitAudioContext;
    let context = null;
    let nextStart = 0; // when the next sentence starts, on the context's clock
    let sources = []; // what is playing or scheduled
    const replies = new Map(); // seq -> {chain: Promise, stopped, ended}

    function audioContext() {
        if (!context && AudioContextClass) context = new AudioContextClass();
        return context;
    }
    function unlock() {
        const ctx = audioContext();
        if (ctx && ctx.state === "suspended") ctx.resume().then(refresh);
        if (unlockButton) unlockButton.hidden = true;
    }
    document.addEventListener("pointerdown", unlock, { capture: true });
    document.addEventListener("keydown", unlock, { capture: true });
    if (unlockButton) unlockButton.addEventListener("click", unlock);

    // A reply is speaking from its first piece until its last has played (or it was stopped).
    function isSpeaking(reply) { return !reply.stopped && (!reply.ended || reply.playing > 0); }
    function refresh() {
        const speaking = sources.length > 0 || Array.from(replies.values()).some(isSpeaking);
        speakingBox.hidden = !speaking;
        replies.forEach(function (reply, seq) {
            const li = document.getElementById("turn-" + seq);
            if (li) li.classList.toggle("is-speaking", isSpeaking(reply));
        });
        if (unlockButton) unlockButton.hidden = !(speaking && context && context.state === "suspended");
    }

    function bytesOf(base64) {
        const raw = atob(base64);
        const bytes = new Uint8Array(raw.length);
        for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
        return bytes.buffer;
    }
    function decode(buffer) { // the callback form too: older Safari has no promise here
        return new Promise(function (resolve, reject) {
            const promise = context.decodeAudioData(buffer, resolve, reject);
            if (promise && promise.then) promise.then(resolve, reject);
        });
    }
    function schedule(decoded, reply) {
        const source = context.createBufferSource();
        source.buffer = decoded;
        source.connect(context.destination);
        const at = Math.max(context.currentTime + 0.02, nextStart);
        source.start(at);
        nextStart = at + decoded.duration;
        sources.push(source);
        reply.playing += 1;
        source.onended = function () {
            sources = sources.filter(function (s) { return s !== source; });
            reply.playing -= 1;
            refresh();
        };
    }

    // --- the session's AI line, before any of the voice ---
    const LINE_MISSING = "The voice is not played: it could not first say that it is an AI voice. Its words are all here.";
    let lineHeard = false; // this page has played (or scheduled) the line
    let lineFetch = null;
    function lineHeardNow() { lineHeard = true; bar.dataset.lineHeard = ""; }
    function lineBytes() { // spoken again by the server, fetched once a page
        if (!lineFetch) {
            lineFetch = fetch(bar.dataset.lineUrl, { credentials: "same-origin" }).then(function (response) {
                if (!response.ok) throw new Error("no line");
                return response.arrayBuffer();
            });
            lineFetch.catch(function () { lineFetch = null; }); // asked again next time
        }
        return lineFetch.then(function (buffer) { return buffer.slice(0); }); // decoding detaches it
    }
    function lineScheduled(reply) { // resolves true once the line is scheduled before `reply`
        if (lineHeard) return Promise.resolve(true);
        return lineBytes().then(decode).then(function (decoded) {
            if (reply.stopped) return false;
            schedule(decoded, reply);
            lineHeardNow();
            return true;
        }).catch(function () { return false; });
    }

    function replyOf(seq) {
        let reply = replies.get(seq);
        if (!reply) {
            reply = { chain: Promise.resolve(), stopped: false, ended: false, playing: 0, next: 0 };
            replies.set(seq, reply);
        }
        return reply;
    }

    function onAudio(data) {
        if (!speakOn) return;
        const reply = replyOf(data.seq);
        if (reply.stopped) return;
        // a piece not heard here (its start, or pieces sent while the socket was away): the
        // rest plays, then the whole reply is offered as missed ("Hear this reply")
        if (data.index !== reply.next) reply.missed = true;
        reply.next = data.index + 1;
        if (data.notice) showVoiceNotice(data.seq, data.notice);
        const ctx = audioContext();
        if (data.audio && ctx) {
            const buffer = bytesOf(data.audio);
            // decoded in order, each scheduled after the one before
            reply.chain = reply.chain.then(function () {
                if (reply.stopped) return null;
                return (data.line ? Promise.resolve(true) : lineScheduled(reply)).then(function (ready) {
                    if (reply.stopped) return null;
                    if (!ready) { // the voice never plays before its line
                        reply.stopped = true;
                        showVoiceNotice(data.seq, LINE_MISSING);
                        return null;
                    }
                    return decode(buffer).then(function (decoded) {
                        if (reply.stopped) return;
                        schedule(decoded, reply);
                        if (data.line) lineHeardNow();
                    }, function () { /* a piece that cannot be decoded is skipped */ });
                });
            });
        }
        if (data.last) {
            reply.chain.then(function () {
                reply.ended = true;
                if (!data.notice) offerReplay(data.seq);
                refresh();
            });
        }
        refresh();
    }
    document.addEventListener("legacy:conversation-audio", function (event) { onAudio(event.detail); });

    function stopAll() {
        replies.forEach(function (reply) { reply.stopped = true; });
        sources.forEach(function (source) { try { source.stop(); } catch (e) { /* already ended */ } });
        sources = [];
        nextStart = 0;
        if (replayer) replayer.pause();
        replayer = null; // a line stopped here does not go on to the reply
        refresh();
    }
    stopButton.addEventListener("click", stopAll);

    function showVoiceNotice(seq, text) {
        const li = document.getElementById("turn-" + seq);
        if (!li) return;
        let box = li.querySelector("[data-voice-notice]");
        if (!box) {
            box = document.createElement("p");
            box.className = "turn-notice turn-voice-notice";
            box.dataset.voiceNotice = "";
            const text_ = li.querySelector("[data-text]");
            const shown = inSight(li);
            text_.after(box);
            box.textContent = text;
            if (shown) keepInSight(li);
        }
        box.textContent = text;
    }

    // --- "Play again" under a spoken reply ("Hear this reply" when some of it was missed) ---
    let replayer = null;
    function replayUrl(seq) { return bar.dataset.replayUrl.replace(/\/0\/audio\/$/, "/" + seq + "/audio/"); }
    function offerReplay(seq) {
        const li = document.getElementById("turn-" + seq);
        if (!li || li.querySelector("[data-replay]")) return;
        const reply = replies.get(seq);
        const missed = !reply || reply.missed;
        const box = document.createElement("p");
        box.className = "turn-voice";
        box.dataset.replayBox = "";
        const button = document.createElement("button");
        button.type = "button";
        button.className = "secondary turn-replay";
        button.dataset.replay = "";
        button.dataset.replaySrc = replayUrl(seq);
        button.textContent = missed ? "Hear this reply" : "Play again";
        if (missed) button.dataset.missed = "";
        const link = document.createElement("a");
        link.className = "turn-download";
        link.href = replayUrl(seq) + "?download=1";
        link.setAttribute("download", "");
        link.textContent = "Download the audio";
        box.append(button, link);
        const meta = li.querySelector(".turn-meta");
        const shown = inSight(li);
        (meta || li.querySelector("[data-text]")).after(box);
        if (shown) keepInSight(li);
    }
    // The newest reply, grown by a line under it, is kept clear of the composer when the
    // visitor was looking at it (not when they had scrolled up to read).
    function inSight(li) {
        const viewport = window.visualViewport ? window.visualViewport.height : window.innerHeight;
        return li === li.parentElement.lastElementChild && li.getBoundingClientRect().top < viewport;
    }
    function keepInSight(li) { li.scrollIntoView({ block: "end" }); }
    function play(src, then) { // one file, `then(played)` once it ended or failed
        const player = new Audio(src);
        replayer = player;
        speakingBox.hidden = false;
        player.onpause = function () { speakingBox.hidden = sources.length === 0; };
        player.onended = function () { speakingBox.hidden = sources.length === 0; if (then) then(true); };
        player.onerror = function () { speakingBox.hidden = sources.length === 0; if (then) then(false); };
        player.play().catch(function () { speakingBox.hidden = true; if (then) then(false); });
        return player;
    }
    document.addEventListener("click", function (event) {
        const button = event.target.closest("[data-replay]");
        if (!button) return;
        stopAll();
        const src = button.dataset.replaySrc;
        if (lineHeard) { play(src); return; }
        const li = button.closest("li.turn-twin");
        // the line first; a stop (or another tap) meanwhile ends it there
        const line = play(bar.dataset.lineUrl, function (played) {
            if (replayer !== line) return;
            if (!played) { if (li) showVoiceNotice(Number(li.dataset.seq), LINE_MISSING); return; }
            lineHeardNow();
            play(src);
        });
    });

    // --- after the socket (re)connects ---
    // Audio sent while the page was not connected (reconnecting, or still opening) is not sent
    // again. So each time the socket is resumed, the page asks which of its twin replies have
    // ended speaking since: one spoken whole is offered to hear ("Hear this reply"), one that
    // could not be spoken gets its notice. A reply still being spoken is asked about again.
    const CHECK_TRIES = 5, CHECK_EVERY_MS = 3000, CHECK_TURNS = 10;
    let checkTimer = null;
    function unresolved() { // the newest twin replies with neither "Play again" nor a notice
        const seqs = [];
        document.querySelectorAll("li.turn-twin[data-seq]").forEach(function (li) {
            const seq = Number(li.dataset.seq);
            const reply = replies.get(seq);
            if (li.querySelector("[data-replay], [data-voice-notice]")) return;
            if (reply && reply.ended && !reply.missed) return; // heard (or stopped) here
            seqs.push(seq);
        });
        return seqs.slice(-CHECK_TURNS);
    }
    function check(tries) {
        const seqs = unresolved();
        if (!seqs.length || !bar.dataset.repliesUrl) return;
        const after = Math.min.apply(null, seqs) - 1;
        fetch(bar.dataset.repliesUrl + "?after=" + after, {
            headers: { "Accept": "application/json" }, credentials: "same-origin",
        }).then(function (response) { return response.ok ? response.json() : null; }).then(function (data) {
            if (!data) return;
            data.replies.forEach(function (item) {
                if (seqs.indexOf(item.seq) < 0) return;
                if (item.status === "complete") offerReplay(item.seq);
                else if (item.notice) showVoiceNotice(item.seq, item.notice);
            });
            const newest = seqs[seqs.length - 1];
            if (tries > 1 && unresolved().indexOf(newest) >= 0) {
                checkTimer = window.setTimeout(function () { check(tries - 1); }, CHECK_EVERY_MS);
            }
        }, function () { /* asked again at the next reconnect */ });
    }
    document.addEventListener("legacy:conversation-resumed", function () {
        replies.forEach(function (reply) { if (!reply.ended) reply.missed = true; }); // cut part way
        window.clearTimeout(checkTimer);
        if (speakOn) check(CHECK_TRIES);
    });

    // --- text only ---
    toggle.addEventListener("click", function () {
        const want = !speakOn;
        const body = new FormData();
        body.append("speak", want ? "1" : "0");
        fetch(bar.dataset.speakUrl, {
            method: "POST",
            body: body,
            headers: { "X-CSRFToken": csrf ? csrf.value : "", "Accept": "application/json" },
            credentials: "same-origin",
        }).then(function (response) { return response.ok ? response.json() : null; }).then(function (data) {
            if (!data) return;
            speakOn = data.speak;
            toggle.setAttribute("aria-pressed", speakOn ? "true" : "false");
            toggle.querySelector("[data-speak-on-label]").hidden = !speakOn;
            toggle.querySelector("[data-speak-off-label]").hidden = speakOn;
            if (!speakOn) stopAll();
        });
    });

    // --- hold to speak ---
    let recorder = null;
    let chunks = [];
    function listening(text) { listenStatus.textContent = text; }
    function startHolding(event) {
        if (holdButton.disabled || recorder) return;
        event.preventDefault();
        if (!navigator.mediaDevices || !window.MediaRecorder) {
            listening("This browser cannot record here. You can still write.");
            return;
        }
        navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
            chunks = [];
            recorder = new MediaRecorder(stream);
            recorder.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
            recorder.onstop = function () {
                stream.getTracks().forEach(function (track) { track.stop(); });
                const type = recorder.mimeType || "audio/webm";
                recorder = null;
                holdButton.classList.remove("is-holding");
                send(new Blob(chunks, { type: type }), type);
            };
            recorder.start();
            holdButton.classList.add("is-holding");
            listening("Listening… let go when you have finished.");
            if (!holding) recorder.stop(); // let go before the microphone opened
        }, function () {
            listening("The microphone is not allowed for this page. You can still write.");
        });
    }
    let holding = false;
    function stopHolding() {
        holding = false;
        if (recorder && recorder.state === "recording") recorder.stop();
    }
    function send(blob, type) {
        if (!blob.size) { listening("Nothing was heard. Hold the button while you speak."); return; }
        listening("Writing down what you said…");
        const body = new FormData();
        body.append("audio", blob, "speech." + (type.indexOf("mp4") >= 0 ? "m4a" : "webm"));
        fetch(bar.dataset.listenUrl, {
            method: "POST",
            body: body,
            headers: { "X-CSRFToken": csrf ? csrf.value : "", "Accept": "application/json" },
            credentials: "same-origin",
        }).then(function (response) { return response.json(); }).then(function (data) {
            if (data.text) {
                input.value = input.value ? input.value.trimEnd() + " " + data.text : data.text;
                input.dispatchEvent(new Event("input"));
                input.focus();
                listening("Check the words, correct them if needed, then send.");
            } else {
                listening(data.error || "That could not be heard. You can still write.");
            }
        }, function () { listening("That could not be sent just now. You can still write."); });
    }
    if (holdButton && !holdButton.disabled) {
        holdButton.addEventListener("pointerdown", function (event) { holding = true; startHolding(event); });
        holdButton.addEventListener("pointerup", stopHolding);
        holdButton.addEventListener("pointerleave", stopHolding);
        holdButton.addEventListener("pointercancel", stopHolding);
        holdButton.addEventListener("contextmenu", function (event) { event.preventDefault(); });
        holdButton.addEventListener("keydown", function (event) {
            if ((event.key === " " || event.key === "Enter") && !event.repeat) { holding = true; startHolding(event); }
        });
        holdButton.addEventListener("keyup", function (event) {
            if (event.key === " " || event.key === "Enter") stopHolding();
        });
    }
})();
