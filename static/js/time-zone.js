// Tells Legacy the browser's time zone once, while the signed-in person has none, so every
// time they are shown is theirs. They can correct it in their account settings.
(function () {
    "use strict";
    var script = document.currentScript;
    var zone;
    try {
        zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
        return;
    }
    if (!script || !zone) {
        return;
    }
    var body = new URLSearchParams({ time_zone: zone });
    fetch(script.dataset.url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": script.dataset.csrf },
    }).catch(function () {});
})();
