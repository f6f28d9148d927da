// The corpus upload page: drop or choose many files; each is sent on its own request so it
// has its own progress bar, then its processing status arrives live over the memorial's
// event socket (memorial-events.js dispatches "memorial:event" with {kind, data}).
(function () {
    const form = document.querySelector("[data-corpus-upload]");
    const list = document.querySelector("[data-corpus-uploads]");
    const input = form && form.querySelector("input[type=file]");
    const PARALLEL = 2;
    const names = document.getElementById("event-names");  // {% event_names %}: core/events.py
    const UPLOAD = names ? JSON.parse(names.textContent).kinds.UPLOAD : null;
    const queue = [];
    let running = 0;
    // Numbers and plurals as the page's language writes them ("1 passage", "28,876 passages"),
    // the same as the server's intcomma and pluralize.
    const LOCALE = document.documentElement.lang || undefined;
    const NUMBERS = new Intl.NumberFormat(LOCALE);
    const PLURALS = new Intl.PluralRules(LOCALE);

    function count(number, word) {
        number = number || 0;
        return NUMBERS.format(number) + " " + word + (PLURALS.select(number) === "one" ? "" : "s");
    }

    document.querySelectorAll("form[data-confirm]").forEach(function (confirming) {
        confirming.addEventListener("submit", function (event) {
            if (!window.confirm(confirming.dataset.confirm)) event.preventDefault();
        });
    });
    if (!form || !list || !input) return;

    function element(tag, className, text) {
        const node = document.createElement(tag);
        if (className) node.className = className;
        if (text !== undefined) node.textContent = text;
        return node;
    }

    function rowFor(name) {
        const empty = list.querySelector("[data-corpus-empty]");
        if (empty) empty.remove();
        const row = element("li", "corpus-upload status-sending");
        const head = element("div", "corpus-upload-head");
        head.append(element("span", "corpus-upload-name", name));
        const status = element("span", "corpus-upload-status", "Waiting to send");
        status.setAttribute("data-upload-status", "");
        head.append(status);
        const bar = element("progress");
        bar.max = 100; bar.value = 0;
        bar.setAttribute("data-upload-progress", "");
        const detail = element("p", "muted corpus-upload-detail");
        detail.setAttribute("data-upload-detail", "");
        const formats = element("p", "muted corpus-upload-formats");
        formats.setAttribute("data-upload-formats", "");
        formats.hidden = true;
        const error = element("p", "corpus-upload-error");
        error.setAttribute("data-upload-error", "");
        const fileErrors = element("div");
        fileErrors.setAttribute("data-upload-file-errors", "");
        row.append(head, bar, detail, formats, error, fileErrors);
        list.prepend(row);
        return row;
    }

    function part(row, name) { return row.querySelector("[data-upload-" + name + "]"); }

    // Documents stream from the reader to the index, so how many there are is known only at
    // the end. While a document is indexed, the bar follows its passages (embedded of all
    // of them); else, while reading, the upload's files (a zip's members) when there are
    // several, and is indeterminate (it moves, with no end shown) when there is one. A file
    // that could not be read, or was stopped, shows no bar: only why.
    function showStatus(row, data) {
        row.className = "corpus-upload status-" + data.status;
        part(row, "status").textContent = data.status_label || data.status;
        const bar = part(row, "progress");
        const finished = ["done", "failed", "stopped"].indexOf(data.status) >= 0;
        const files = data.files_total || 0;
        const embedding = !finished && data.passages_to_embed > 0;
        bar.hidden = data.status === "failed" || data.status === "stopped";
        if (finished) {
            bar.max = 1; bar.value = data.status === "done" ? 1 : 0;
        } else if (embedding) {
            bar.max = data.passages_to_embed; bar.value = data.passages_embedded || 0;
        } else if (files > 1) {
            bar.max = files; bar.value = data.files_done || 0;
        } else if (data.status !== "queued") {
            bar.removeAttribute("value");
        }
        let detail = count(data.done, "document") + " · " + count(data.passages, "passage") +
            (finished ? "" : " so far");
        if (embedding) {
            detail = "Indexing " + NUMBERS.format(data.passages_embedded || 0) + " of " +
                count(data.passages_to_embed, "passage") + " · " + detail;
        } else if (!finished && files > 1) {
            detail = NUMBERS.format(data.files_done || 0) + " of " + count(files, "file") + " · " + detail;
        }
        part(row, "detail").textContent = detail;
        part(row, "error").textContent = data.error || "";
        // once finished, what its files were read as and each file's own error, as a reload
        // shows them
        const formats = part(row, "formats");
        if (formats && data.formats_read) {
            formats.textContent = data.formats_read.length ? "Read as: " + data.formats_read.join(", ") : "";
            formats.hidden = !data.formats_read.length;
        }
        const fileErrors = part(row, "file-errors");
        if (fileErrors && data.file_errors) {
            fileErrors.replaceChildren.apply(fileErrors, data.file_errors.map(function (text) {
                return element("p", "corpus-upload-error", text);
            }));
        }
    }

    function send(file, row) {
        running += 1;
        const body = new FormData();
        body.append("files", file);
        body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
        const request = new XMLHttpRequest();
        request.open("POST", form.action);
        request.setRequestHeader("X-Requested-With", "fetch");
        request.upload.onprogress = function (progress) {
            if (!progress.lengthComputable) return;
            const bar = part(row, "progress");
            bar.max = 100;
            bar.value = Math.round(100 * progress.loaded / progress.total);
            part(row, "status").textContent = "Sending " + bar.value + "%";
        };
        request.onload = function () {
            let answer = {};
            try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = {}; }
            const upload = (answer.uploads || [])[0];
            const error = (answer.errors || [])[0];
            if (upload) {
                const existing = list.querySelector('[data-upload-id="' + upload.upload_id + '"]');
                if (existing && existing !== row) {
                    row.remove();
                    row = existing;
                }
                row.dataset.uploadId = upload.upload_id;
                showStatus(row, upload);
                if (upload.duplicate) part(row, "error").textContent = "Uploaded before: kept once.";
            } else {
                row.className = "corpus-upload status-failed";
                part(row, "progress").hidden = true;
                part(row, "status").textContent = "Not sent";
                part(row, "error").textContent = error ? error.error : "The upload failed (" + request.status + ").";
            }
            next();
        };
        request.onerror = function () {
            row.className = "corpus-upload status-failed";
            part(row, "progress").hidden = true;
            part(row, "status").textContent = "Not sent";
            part(row, "error").textContent = "The connection was lost. Please try this file again.";
            next();
        };
        request.send(body);
    }

    function next() {
        running -= 1;
        pump();
    }

    function pump() {
        while (running < PARALLEL && queue.length) {
            const item = queue.shift();
            send(item.file, item.row);
        }
    }

    function add(files) {
        Array.prototype.forEach.call(files, function (file) {
            queue.push({ file: file, row: rowFor(file.name) });
        });
        pump();
    }

    form.addEventListener("submit", function (event) {
        event.preventDefault();
        add(input.files);
        input.value = "";
    });
    input.addEventListener("change", function () {
        add(input.files);
        input.value = "";
    });
    ["dragenter", "dragover"].forEach(function (name) {
        form.addEventListener(name, function (event) {
            event.preventDefault();
            form.classList.add("corpus-drop-active");
        });
    });
    ["dragleave", "drop"].forEach(function (name) {
        form.addEventListener(name, function (event) {
            event.preventDefault();
            form.classList.remove("corpus-drop-active");
        });
    });
    form.addEventListener("drop", function (event) {
        if (!input.disabled && event.dataTransfer) add(event.dataTransfer.files);
    });

    function showCounts(counts) {
        ["documents", "passages"].forEach(function (name) {
            const node = document.querySelector('[data-corpus-count="' + name + '"]');
            if (!node || counts[name] === undefined) return;
            const word = name.slice(0, -1);
            node.textContent = count(counts[name], word);
        });
    }

    document.addEventListener("memorial:event", function (event) {
        if (event.detail.kind !== UPLOAD) return;
        const data = event.detail.data;
        if (data.memorial_counts) showCounts(data.memorial_counts);
        let row = list.querySelector('[data-upload-id="' + data.upload_id + '"]');
        if (!row) {
            row = rowFor(data.name);
            row.dataset.uploadId = data.upload_id;
        }
        showStatus(row, data);
    });
})();
