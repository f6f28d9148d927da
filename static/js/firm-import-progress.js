// The import progress page: asks how far the import got every two seconds and says so;
// once it has finished, loads the page again to show the summary.
(function () {
    "use strict";
    const box = document.querySelector("[data-import-progress]");
    if (!box) {
        return;
    }
    const text = box.querySelector("[role=status]");
    const bar = box.querySelector("progress");
    function ask() {
        fetch(box.dataset.importProgress, {headers: {Accept: "application/json"}})
            .then((response) => response.json())
            .then((progress) => {
                if (progress.finished) {
                    window.location.reload();
                    return;
                }
                if (progress.total) {
                    text.textContent = `${progress.done} of ${progress.total} clients added so far.`;
                    bar.max = progress.total;
                    bar.value = progress.done;
                }
                window.setTimeout(ask, 2000);
            })
            .catch(() => window.setTimeout(ask, 5000));
    }
    window.setTimeout(ask, 2000);
})();
