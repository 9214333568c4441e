// Search pages: on a narrow screen the filter sidebar starts collapsed (a <details> element,
// so it opens and closes without JavaScript too); the sort choice applies at once.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var filters = document.querySelector(".search-filters");
    if (filters && window.matchMedia("(max-width: 48em)").matches) {
      filters.removeAttribute("open");
    }
    var sort = document.querySelector(".search-form select[name=sort]");
    if (sort && sort.form) {
      sort.addEventListener("change", function () { sort.form.submit(); });
    }
  });
})();
