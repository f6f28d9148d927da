// The conversation page: one visitor talking with the twin, over
// /ws/memorials/<id>/conversation/ (conversations/consumers.py describes the wire).
// The history is rendered by the server; on every (re)connect this asks for what came after
// the last message it holds whole ("resume"), so nothing is lost; messages are keyed by
// their seq and reply text by its offset, so nothing is doubled. A message written while
// the socket is down waits (also across a reload, in localStorage) and is sent on
// reconnect: its client id makes the server store it once.
(function () {
    "use strict";
    const root = document.querySelector("[data-conversation-url]");
    const namesEl = document.getElementById("event-names");
    if (!root || !namesEl || !root.querySelector("[data-log]")) return;
    const NAMES = JSON.parse(namesEl.textContent);
    const CLOSES = NAMES.closes;
    const CONSENT_REVOKED = NAMES.kinds.CONSENT_REVOKED;
    const log = root.querySelector("[data-log]");
    const empty = root.querySelector("[data-empty]");
    const notice = root.querySelector("[data-notice]");
    const form = root.querySelector("[data-composer]");
    const input = form.querySelector("textarea");
    const sendButton = form.querySelector("[data-send]");
    const liveStatus = document.querySelector("[data-live-status]");
    const template = root.querySelector("[data-turn-template]");
    const notices = root.querySelector("[data-notices]");
    const noticeTemplate = root.querySelector("[data-notice-template]");
    const questionTemplates = root.querySelector("[data-question-templates]");
    const questionsOffered = root.hasAttribute("data-questions-offered");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const pendingKey = "legacy.conversation.pending." + root.dataset.memorial;
    // Closed for good: no reconnect; the page says why.
    const ENDED = {};
    ENDED[CLOSES.SIGNED_OUT] = "You have signed out. Sign in again to go on.";
    ENDED[CLOSES.SESSION_EXPIRED] = "Your session has ended. Sign in again to go on.";
    ENDED[CLOSES.MEMBERSHIP_REMOVED] = "You are no longer part of this memorial.";
    ENDED[CLOSES.NOT_FOUND] = "This conversation is not available.";
    ENDED[CLOSES.ERASED] = "This memorial has been erased.";
    ENDED[CLOSES.CONSENT_REVOKED] = "";
    ENDED[CLOSES.CONVERSATION_REFUSED] = "";

    const turns = new Map(); // seq -> li
    let pending = loadPending(); // [{client_id, text}] written, not yet acknowledged
    let socket = null;
    let resumed = false;
    let ended = false;
    let delay = 1000;
    let retryTimer = null;

    // --- text measured as the server measures it (code points, not UTF-16 units) ---
    function cpLength(text) { return Array.from(text).length; }
    function cpSlice(text, from) { return Array.from(text).slice(from).join(""); }

    function loadPending() {
        try { return JSON.parse(localStorage.getItem(pendingKey) || "[]"); } catch (e) { return []; }
    }
    function savePending() {
        try { localStorage.setItem(pendingKey, JSON.stringify(pending)); } catch (e) { /* private mode */ }
    }
    function newClientId() {
        if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
        return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
    }

    function setStatus(text) { if (liveStatus) liveStatus.textContent = text; }
    function say(text) {
        notice.textContent = text;
        notice.hidden = !text;
    }
    function composerEnabled(enabled) {
        input.disabled = !enabled;
        sendButton.disabled = !enabled;
        form.setAttribute("aria-disabled", enabled ? "false" : "true");
    }

    // --- keeping the latest message in view, above the keyboard ---
    function nearBottom() {
        const viewport = window.visualViewport ? window.visualViewport.height : window.innerHeight;
        return form.getBoundingClientRect().top <= viewport + 80;
    }
    function keepLatestInView(force) {
        const last = log.lastElementChild;
        if (!last || !(force || nearBottom())) return;
        last.scrollIntoView({ block: "end" });
        form.scrollIntoView({ block: "end" });
    }
    if (window.visualViewport) {
        window.visualViewport.addEventListener("resize", function () { keepLatestInView(true); });
    }
    input.addEventListener("focus", function () { setTimeout(function () { keepLatestInView(true); }, 300); });
    input.addEventListener("input", function () {
        input.style.height = "auto";
        input.style.height = Math.min(input.scrollHeight + 2, 144) + "px";
    });

    // --- the turns on the page ---
    function part(li, name) { return li.querySelector("[data-" + name + "]"); }

    function place(li) {
        const seq = Number(li.dataset.seq);
        let before = null;
        for (const other of log.children) {
            const otherSeq = Number(other.dataset.seq || Infinity);
            if (otherSeq > seq) { before = other; break; }
        }
        log.insertBefore(li, before);
        if (empty) empty.hidden = true;
    }

    function newTurn(role) {
        const li = template.content.firstElementChild.cloneNode(true);
        li.classList.add("turn-" + role);
        li.dataset.role = role;
        if (role !== "twin") li.querySelectorAll("[data-twin-only]").forEach(function (el) { el.remove(); });
        return li;
    }

    function setStatusOf(li, status) {
        li.classList.remove("status-" + li.dataset.status);
        li.dataset.status = status;
        li.classList.add("status-" + status);
        if (li.dataset.role !== "twin") return;
        part(li, "writing").hidden = status !== "streaming";
        refreshRetries();
    }

    function twinDetails(li, data) {
        if (li.dataset.role !== "twin") return;
        if (data.label !== undefined) part(li, "label").textContent = data.label || "";
        if (data.sources !== undefined) showSources(li, data.sources);
        if (data.notice !== undefined) {
            const box = part(li, "turn-notice");
            box.textContent = data.notice || "";
            box.hidden = !data.notice;
        }
    }

    // "Where this comes from": the passages a reply drew on, in the person's own words.
    function showSources(li, sources) {
        const box = part(li, "sources");
        const list = part(li, "sources-list");
        if (!box || !list) return;
        list.replaceChildren();
        (sources || []).forEach(function (source) {
            const item = document.createElement("li");
            const meta = document.createElement("p");
            meta.className = "muted";
            meta.textContent = (source.date ? source.date + " · " : "") +
                (source.by ? source.by + ", writing to them" : "to " + source.to);
            const words = document.createElement("blockquote");
            words.textContent = source.text;
            item.append(meta, words);
            if (source.document || source.document_label) {
                const from = document.createElement("p");
                from.className = "muted turn-source-document";
                const name = source.document || "";
                const title = name.length > 80 ? name.slice(0, 79) + "…" : name;
                from.textContent = "From " + (title ? "“" + title + "”" : "an untitled document") +
                    (source.document_label ? " · " + source.document_label : "");
                item.appendChild(from);
            }
            list.appendChild(item);
        });
        box.hidden = !(sources && sources.length);
    }

    // "Try again" on the newest failed reply to a message, not on one already retried.
    function refreshRetries() {
        const newest = {};
        for (const li of log.children) {
            if (li.dataset.role === "twin" && li.dataset.replyTo) newest[li.dataset.replyTo] = li;
        }
        for (const li of log.children) {
            const button = part(li, "retry");
            if (!button) continue;
            button.hidden = !(li.dataset.status === "failed" && newest[li.dataset.replyTo] === li);
        }
    }

    // --- a question passed on to the living subject, under the reply that did not know ---
    function questionPart(selector) {
        const found = questionTemplates && questionTemplates.content.querySelector(selector);
        return found ? found.cloneNode(true) : null;
    }
    function showQuestion(li, data) {
        if (!li || li.dataset.role !== "twin") return;
        const old = li.querySelector("[data-question-line], [data-ask]");
        let shown = null;
        if (data.question) {
            shown = questionPart('[data-question-line][data-question-status="' + data.question + '"]');
        } else if (data.abstained && questionsOffered && li.dataset.status === "complete") {
            if (old && old.matches("[data-ask]")) return;
            shown = questionPart("[data-ask]");
            if (shown) shown.querySelector("[data-ask-seq]").value = li.dataset.seq;
        }
        if (!shown) return;
        if (old) old.replaceWith(shown); else li.appendChild(shown);
    }

    // --- under a care reply: crisis lines to call and the offer to tell a steward ---
    const careTemplate = root.querySelector("[data-care-template]");
    function showCare(li, data) {
        if (!li || data.concern !== "crisis" || !careTemplate || li.querySelector("[data-care]")) return;
        const card = careTemplate.content.firstElementChild.cloneNode(true);
        const seq = card.querySelector("[data-care-seq]");
        if (seq) seq.value = li.dataset.seq;
        part(li, "text").after(card);
    }

    function upsert(data) { // a whole message: from the history ("message") or an ack
        let li = turns.get(data.seq);
        if (!li && data.client_id) {
            li = log.querySelector('[data-client-id="' + CSS.escape(data.client_id) + '"]:not([data-seq])');
        }
        if (!li) li = newTurn(data.role);
        li.classList.remove("sending");
        li.dataset.seq = data.seq;
        if (data.client_id) li.dataset.clientId = data.client_id;
        if (data.reply_to) li.dataset.replyTo = data.reply_to;
        part(li, "text").textContent = data.text;
        turns.set(data.seq, li);
        li.id = "turn-" + data.seq;
        place(li);
        setStatusOf(li, data.status || "complete");
        twinDetails(li, data);
        showQuestion(li, data);
        showCare(li, data);
        if (data.client_id) forgetPending(data.client_id);
        keepLatestInView(false);
        return li;
    }

    function forgetPending(clientId) {
        const before = pending.length;
        pending = pending.filter(function (p) { return p.client_id !== clientId; });
        if (pending.length !== before) savePending();
    }

    function showPending(item) {
        const li = newTurn("visitor");
        li.classList.add("sending");
        li.dataset.clientId = item.client_id;
        part(li, "text").textContent = item.text;
        log.appendChild(li);
        if (empty) empty.hidden = true;
        keepLatestInView(true);
    }

    // --- notices from the server (disclosure, break, session_limit, daily_limit,
    // quiet_hours): one calm area, announced politely; a newer notice of a kind replaces
    // the older one, and the visitor may close each ---
    function showNotice(kind, text) {
        if (!notices || !noticeTemplate || !text) return;
        const safeKind = String(kind || "general").replace(/[^a-z_]/g, "");
        let box = notices.querySelector('[data-notice-kind="' + safeKind + '"]');
        if (!box) {
            box = noticeTemplate.content.firstElementChild.cloneNode(true);
            box.dataset.noticeKind = safeKind;
            box.classList.add("notice-" + safeKind);
            notices.appendChild(box);
        }
        box.querySelector("[data-notice-text]").textContent = text;
        if (nearBottom()) box.scrollIntoView({ block: "end" });
    }
    if (notices) {
        notices.addEventListener("click", function (event) {
            const button = event.target.closest("[data-notice-close]");
            if (!button) return;
            button.closest("[data-notice-kind]").remove();
            input.focus();
        });
    }

    // --- from the server ---
    const handlers = {
        message: function (data) { upsert(data); },
        notice: function (data) { showNotice(data.kind, data.text); },
        resumed: function () {
            resumed = true;
            pending.forEach(function (item) { send({ type: "send", client_id: item.client_id, text: item.text }); });
            // audio sent while the socket was down is not sent again: conversation-voice.js asks
            document.dispatchEvent(new CustomEvent("legacy:conversation-resumed"));
        },
        ack: function (data) { upsert({ seq: data.seq, role: "visitor", client_id: data.client_id, text: data.text, status: "complete" }); },
        reply_start: function (data) {
            if (turns.has(data.seq)) return;
            upsert({ seq: data.seq, role: "twin", text: "", status: "streaming", reply_to: data.reply_to });
        },
        token: function (data) {
            const li = turns.get(data.seq);
            if (!li || li.dataset.status !== "streaming") return;
            const textEl = part(li, "text");
            const have = cpLength(textEl.textContent);
            const piece = data.offset < have ? cpSlice(data.text, have - data.offset) : data.text;
            if (data.offset > have || !piece) return; // the server sends the whole reply then
            textEl.textContent += piece;
            keepLatestInView(false);
        },
        reply_end: function (data) {
            const li = turns.get(data.seq);
            if (!li) return;
            part(li, "text").textContent = data.text;
            setStatusOf(li, data.status);
            twinDetails(li, data);
            showQuestion(li, data);
            showCare(li, data);
            keepLatestInView(false);
        },
        audio: function (data) { // a spoken reply's audio: static/js/conversation-voice.js plays it
            document.dispatchEvent(new CustomEvent("legacy:conversation-audio", { detail: data }));
        },
        question: function (data) { // passed on, answered or declined: on every device
            showQuestion(turns.get(data.seq), { question: data.status });
        },
        error: function (data) {
            say(data.message);
            const item = pending.find(function (p) { return p.client_id === data.client_id; });
            if (!item) return;
            forgetPending(item.client_id);
            const li = log.querySelector('[data-client-id="' + CSS.escape(item.client_id) + '"]:not([data-seq])');
            if (li) li.remove();
            if (!input.value) input.value = item.text;
        },
        refused: function (data) {
            ended = true;
            say(data.reason);
            composerEnabled(false);
        },
    };

    function receive(message) {
        const data = JSON.parse(message.data);
        if (data.kind === CONSENT_REVOKED) { // the consent this conversation relied on
            ended = true;
            say(data.data.message || "This conversation has ended.");
            composerEnabled(false);
            return;
        }
        const handler = handlers[data.type];
        if (handler) handler(data);
    }

    function send(payload) {
        if (socket && socket.readyState === WebSocket.OPEN && resumed) {
            socket.send(JSON.stringify(payload));
            return true;
        }
        return false;
    }

    // The last seq held whole: a reply still being written is asked for again, entire.
    function resumeAfter() {
        let after = 0;
        const seqs = Array.from(turns.keys()).sort(function (a, b) { return a - b; });
        for (const seq of seqs) {
            if (turns.get(seq).dataset.status === "streaming") break;
            after = seq;
        }
        return after;
    }

    function connect() {
        if (ended || (socket && socket.readyState <= WebSocket.OPEN)) return;
        clearTimeout(retryTimer);
        resumed = false;
        setStatus("connecting…");
        socket = new WebSocket(scheme + location.host + root.dataset.conversationUrl);
        socket.onopen = function () {
            delay = 1000;
            setStatus("live");
            if (!ended) say("");
            socket.send(JSON.stringify({ type: "resume", after_seq: resumeAfter() }));
        };
        socket.onmessage = receive;
        socket.onclose = function (closing) {
            resumed = false;
            if (closing.code in ENDED) {
                ended = true;
                setStatus("closed");
                composerEnabled(false);
                if (ENDED[closing.code]) say(ENDED[closing.code]);
                return;
            }
            setStatus("reconnecting…");
            retryTimer = setTimeout(connect, delay);
            delay = Math.min(delay * 2, 30000);
        };
    }

    // --- the composer ---
    form.addEventListener("submit", function (event) {
        event.preventDefault();
        const text = input.value.trim();
        if (!text || ended) return;
        const item = { client_id: newClientId(), text: text };
        pending.push(item);
        savePending();
        showPending(item);
        input.value = "";
        input.style.height = "auto";
        if (!send({ type: "send", client_id: item.client_id, text: text })) {
            say("Your message will be sent as soon as the connection is back.");
            connect();
        }
    });
    input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            form.requestSubmit();
        }
    });
    log.addEventListener("click", function (event) {
        const button = event.target.closest("[data-retry]");
        if (!button) return;
        const li = button.closest("[data-seq]");
        button.hidden = true;
        if (!send({ type: "retry", seq: Number(li.dataset.seq) })) {
            button.hidden = false;
            say("Not connected just now; try again in a moment.");
        }
    });

    // --- start: what the server rendered, what was waiting, then the socket ---
    for (const li of log.children) turns.set(Number(li.dataset.seq), li);
    refreshRetries();
    pending.forEach(showPending);
    keepLatestInView(true);
    window.addEventListener("online", connect);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) connect(); });
    connect();
})();
