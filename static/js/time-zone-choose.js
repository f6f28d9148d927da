// On the account settings page: offer the browser's own time zone in one click.
(function () {
    "use strict";
    var button = document.getElementById("time-zone-use-browser");
    var select = document.getElementById("id_time_zone");
    var zone;
    try {
        zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
        return;
    }
    if (!button || !select || !zone || select.value === zone) {
        return;
    }
    var known = Array.prototype.some.call(select.options, function (option) {
        return option.value === zone;
    });
    if (!known) {
        return;
    }
    button.textContent = "Use this device's time zone (" + zone.replace(/_/g, " ") + ")";
    button.hidden = false;
    button.addEventListener("click", function () {
        select.value = zone;
        select.focus();
    });
})();
