// "Use my location" on the appeal form: fills the latitude and longitude fields from the
// browser's geolocation API. No map tiles, no external requests. The button stays hidden
// where the browser has no geolocation (or the page is not served over HTTPS).
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var button = document.querySelector("[data-locate]");
    var status = document.querySelector("[data-locate-status]");
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    if (!button || !lat || !lon || !("geolocation" in navigator)) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (status) { status.textContent = status.dataset.busy || ""; }
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          lat.value = pos.coords.latitude.toFixed(6);
          lon.value = pos.coords.longitude.toFixed(6);
          if (status) { status.textContent = status.dataset.done || ""; }
        },
        function () {
          if (status) { status.textContent = status.dataset.failed || ""; }
        },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  });
})();
