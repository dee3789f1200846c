/* Draws the dashboard figures. No inline script: each figure is a json_script element named by
   the data-figure attribute of its container; the choropleth's boundaries are fetched from
   data-boundaries. plotly.js is served locally and so is the (empty) base-map topojson. */
(function () {
  "use strict";

  var script = document.currentScript || document.getElementById("dashboards-js");
  var settings = script ? script.dataset : {};
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  // Indonesian month and day names for plotly's date axes; numbers use layout.separators.
  var LOCALE_ID = {
    moduleType: "locale",
    name: "id",
    dictionary: {},
    format: {
      days: ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
      shortDays: ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
      months: ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
        "Oktober", "November", "Desember"],
      shortMonths: ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
      date: "%d/%m/%Y",
      decimal: ",",
      thousands: "."
    }
  };

  function plotConfig() {
    var config = Object.assign({}, CONFIG, { topojsonURL: settings.topojsonUrl });
    if ((settings.locale || "id").indexOf("id") === 0) {
      config.locale = "id";
    }
    return config;
  }

  function showMessage(element, text) {
    element.textContent = text;
    element.classList.add("chart-message");
    element.setAttribute("role", "status");
  }

  // Click to drill: a bar (customdata: the code) or a map region (its location: the code) opens that
  // region's or office's page with the page's period and segment (data-drill, data-drill-query).
  // The drill URL is the page's URL for the code "ID", so the code's place in it is known.
  function drillTo(element, code) {
    if (!code || !element.dataset.drill) {
      return;
    }
    var base = element.dataset.drill.replace(/ID\/$/, encodeURIComponent(code) + "/");
    window.location.assign(base + (element.dataset.drillQuery || ""));
  }

  function draw(element, figure) {
    window.Plotly.newPlot(element, figure.data, figure.layout, plotConfig()).then(function () {
      if (figure.frames) {
        // The map over time: a frame a month, played by the layout's slider.
        window.Plotly.addFrames(element, figure.frames);
      }
      if (!element.dataset.drill) {
        return;
      }
      element.classList.add("drillable");
      element.on("plotly_click", function (event) {
        var point = event && event.points && event.points[0];
        if (point) {
          drillTo(element, point.location || point.customdata);
        }
      });
    });
  }

  function drawMap(element, figure) {
    fetch(element.dataset.boundaries, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (geo) {
        if (!geo.features || geo.features.length === 0) {
          showMessage(element, geo.message || settings.noMap);
          return;
        }
        figure.data[0].geojson = geo;
        draw(element, figure);
      })
      .catch(function () { showMessage(element, settings.mapError); });
  }

  function init() {
    if (!window.Plotly) {
      return;
    }
    window.Plotly.register(LOCALE_ID);
    document.querySelectorAll("[data-figure]").forEach(function (element) {
      var source = document.getElementById(element.dataset.figure);
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      if (element.dataset.boundaries) {
        drawMap(element, figure);
      } else {
        draw(element, figure);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
