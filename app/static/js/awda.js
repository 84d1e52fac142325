// Awda: small enhancements; every page works without them.
(function () {
  "use strict";

  // Member rows: add and remove in place instead of a round trip to the server.
  function setUpMemberRows(form) {
    var rows = form.querySelector("[data-member-rows]");
    var template = form.querySelector("template[data-member-template]");
    var addButton = form.querySelector("[data-add-member]");
    if (!rows || !template || !addButton) return;

    function renumber() {
      rows.querySelectorAll("[data-member-number]").forEach(function (el, i) {
        el.textContent = String(i + 1);
      });
    }
    function nextIndex() {
      var highest = -1;
      rows.querySelectorAll("[name$='-given_name_ar']").forEach(function (input) {
        var match = /^members-(\d+)-/.exec(input.name);
        if (match) highest = Math.max(highest, Number(match[1]));
      });
      return highest + 1;
    }
    var maxRows = Number(rows.getAttribute("data-max-rows")) || Infinity;
    var full = form.querySelector("[data-rows-full]");
    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      if (rows.querySelectorAll("[data-member-row]").length >= maxRows) {
        if (full) full.hidden = false;  // say so, rather than add a row the server refuses
        return;
      }
      var html = template.innerHTML.replace(/__index__/g, String(nextIndex()));
      rows.insertAdjacentHTML("beforeend", html);
      renumber();
      var added = rows.lastElementChild;
      var first = added && added.querySelector("input:not([type=hidden])");
      if (first) first.focus();
    });
    rows.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-member]");
      if (!button) return;
      event.preventDefault();
      if (rows.querySelectorAll("[data-member-row]").length > 1) {
        button.closest("[data-member-row]").remove();
        if (full) full.hidden = true;
        renumber();
        addButton.focus();
      }
    });
  }

  // Districts: show only those of the chosen governorate (the select holds them all, grouped).
  function linkDistricts(form, prefix) {
    var governorate = form.querySelector("#" + prefix + "_governorate_id");
    var district = form.querySelector("#" + prefix + "_district_id");
    if (!governorate || !district) return;
    function filter() {
      var chosen = governorate.options[governorate.selectedIndex];
      var label = chosen && chosen.value ? chosen.text : null;
      district.querySelectorAll("optgroup").forEach(function (group) {
        var show = label === null || group.label === label;
        group.hidden = !show;
        group.disabled = !show;
      });
      var selected = district.options[district.selectedIndex];
      if (selected && selected.parentElement.disabled) district.value = "";
    }
    governorate.addEventListener("change", filter);
    filter();
  }

  // An import under way: the bar and its words follow the server every few seconds; the page
  // reloads when the import ends, to show its result. Reloading at any time shows the same.
  function followImport(panel) {
    var bar = panel.querySelector("progress");
    var text = panel.querySelector("#import-progress-text");
    var numbers = new Intl.NumberFormat(document.documentElement.lang || "en");
    function fill(template, values) {
      return template.replace(/%\((\w+)\)s/g, function (_all, key) {
        return numbers.format(values[key]);
      });
    }
    function poll() {
      fetch(panel.getAttribute("data-import-progress"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state) return;
          if (state.finished || state.status !== panel.getAttribute("data-status")) {
            window.location.reload();
            return;
          }
          if (!text) return;  // a check: only its end is awaited
          bar.value = state.percent;
          var words = fill(text.getAttribute("data-template-done"), state);
          if (state.seconds_left !== null) {
            var minutes = { minutes: Math.max(1, Math.ceil(state.seconds_left / 60)) };
            words += " · " + fill(text.getAttribute("data-template-left"), minutes);
          }
          text.textContent = words;
        })
        .finally(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-import-progress]").forEach(followImport);
    document.querySelectorAll("[data-household-form]").forEach(function (form) {
      setUpMemberRows(form);
      linkDistricts(form, "origin");
      linkDistricts(form, "destination");
    });
  });
})();
