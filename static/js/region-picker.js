// Province → city → county selects: choosing a level loads the next from /api/v1/regions.
// Without JavaScript the form still works: the server fills each level from what was chosen.
(function () {
  "use strict";

  function reset(select) {
    var first = select.options[0];
    select.innerHTML = "";
    if (first) { select.appendChild(first); }
    select.value = "";
  }

  function load(select, api, parent) {
    reset(select);
    if (!parent) { return Promise.resolve(); }
    return fetch(api + "?parent=" + encodeURIComponent(parent), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (data) {
        data.items.forEach(function (region) {
          var option = document.createElement("option");
          option.value = region.code;
          option.textContent = region.name;
          select.appendChild(option);
        });
      });
  }

  function setUp(fieldset) {
    var api = fieldset.getAttribute("data-api");
    var selects = fieldset.querySelectorAll("select");
    if (selects.length !== 3) { return; }
    var province = selects[0], city = selects[1], county = selects[2];
    province.addEventListener("change", function () {
      reset(county);
      load(city, api, province.value);
    });
    city.addEventListener("change", function () { load(county, api, city.value); });
    var refresh = fieldset.querySelector("[name=refresh_regions]");
    if (refresh) { refresh.hidden = true; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-region-picker]").forEach(setUp);
  });
})();
