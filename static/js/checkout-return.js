// The return from checkout: asks the server every few seconds whether the payment provider's
// webhook has confirmed the plan, and shows it once it has (the page says so meanwhile).
(function () {
    "use strict";
    var script = document.currentScript;
    var url = script.dataset.url;
    var waiting = document.getElementById("checkout-waiting");
    var confirmed = document.getElementById("checkout-confirmed");
    var plan = document.getElementById("checkout-plan");
    var label = document.getElementById("checkout-status-label");
    var delay = 1500;
    var deadline = Date.now() + 10 * 60 * 1000;

    function ask() {
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
            .then(function (response) { return response.ok ? response.json() : null; })
            .then(function (state) {
                if (state) {
                    label.textContent = state.status_label;
                    if (state.confirmed) {
                        plan.textContent = state.plan;
                        waiting.hidden = true;
                        confirmed.hidden = false;
                        return;
                    }
                }
                later();
            })
            .catch(later);
    }

    function later() {
        if (Date.now() > deadline) return;
        delay = Math.min(delay * 1.3, 10000);
        window.setTimeout(ask, delay);
    }

    window.setTimeout(ask, delay);
})();
