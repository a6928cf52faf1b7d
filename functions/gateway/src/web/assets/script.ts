/**
 * The pages' only script, served as a file (the Content-Security-Policy allows no inline script). Everything
 * works without it; it adds two things:
 * - a form marked data-once is sent once: a second click while the first is on its way does nothing (the
 *   Idempotency-Key in the form makes a second order impossible anyway);
 * - an element with data-live="<url>" keeps the order's status, timeline and tracking up to date by asking
 *   that URL (JSON) until the order reaches a final state, and reloads the page when that URL says the
 *   session's token is due for renewal (a page load renews it). It builds elements with textContent only, so
 *   the policy can forbid every HTML-string sink (Trusted Types).
 */
export const script = `"use strict";
(function () {
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.querySelectorAll("button").forEach(function (button) { button.setAttribute("aria-disabled", "true"); });
    });
  });

  var live = document.querySelector("[data-live]");
  if (!live) return;
  var source = live.getAttribute("data-live");
  var delay = 1000;
  var last = "";

  function fields(name) { return document.querySelectorAll('[data-field="' + name + '"]'); }
  function setText(name, value) { fields(name).forEach(function (el) { el.textContent = value; }); }
  function show(name, visible) {
    document.querySelectorAll('[data-show-when="' + name + '"]').forEach(function (el) { el.hidden = !visible; });
  }
  function timeline(entries) {
    fields("timeline").forEach(function (list) {
      var items = entries.map(function (entry) {
        var li = document.createElement("li");
        var time = document.createElement("time");
        time.dateTime = entry.at;
        time.textContent = entry.when;
        var what = document.createElement("strong");
        what.textContent = entry.event;
        li.append(time, what, " — " + entry.detail + " ");
        var badge = document.createElement("span");
        badge.className = "badge " + entry.tone;
        badge.textContent = entry.status;
        li.append(badge);
        return li;
      });
      list.replaceChildren.apply(list, items);
    });
  }
  function apply(state) {
    live.dataset.status = state.status;
    setText("status", state.status_label);
    fields("status").forEach(function (el) { el.className = "badge " + state.tone; });
    setText("payment_status", state.payment_status);
    setText("shipping_status", state.shipping_status);
    setText("tracking_number", state.tracking_number || "");
    document.querySelectorAll("a[data-track]").forEach(function (a) {
      a.href = "/shop/track?number=" + encodeURIComponent(state.tracking_number || "");
    });
    show("tracking", Boolean(state.tracking_number));
    show("cancellable", state.cancellable);
    setText("reason", state.reason);
    show("reason", Boolean(state.reason));
    var shipment = state.shipment;
    show("shipment", Boolean(shipment));
    show("no-shipment", !shipment);
    if (shipment) {
      setText("shipment_carrier", shipment.carrier);
      setText("shipment_status", shipment.status);
      fields("shipment_status").forEach(function (el) { el.className = "badge " + shipment.tone; });
      setText("shipment_eta", shipment.estimated_delivery);
      setText("shipment_address", shipment.address);
    }
    timeline(state.timeline);
  }
  function poll() {
    fetch(source, { headers: { accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // The session's token needs renewing, which only a page load does: load this page again.
        if (response.status === 401) { location.reload(); return undefined; }
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state === undefined) return false;
        if (!state) { delay = 5000; return true; }
        var seen = JSON.stringify(state);
        if (seen !== last) { last = seen; apply(state); delay = 1000; }
        else delay = Math.min(delay * 1.5, 5000);
        return !state.final;
      }, function () { delay = 5000; return true; })
      .then(function (again) { if (again) setTimeout(poll, delay); });
  }
  setTimeout(poll, delay);
})();
`;
