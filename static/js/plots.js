// Draws the page's plots from data embedded with json_script (the PCA scatter fetches
// its own). Plotly is served locally.
(function () {
  "use strict";
  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  // Numbers and dates on the axes as the page's language writes them (0,85 and 01.2024 in German).
  var german = document.documentElement.lang === "de";
  var layoutBase = { margin: { l: 55, r: 15, t: 30, b: 45 }, font: { size: 12 }, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
                     separators: german ? ",." : ".," };
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function merge(a, b) { var o = {}; [a, b].forEach(function (s) { for (var k in s) o[k] = s[k]; }); return o; }

  // The PCA scatter's points are fetched as JSON (a sample above a few thousand); the
  // loading arrows are scaled to the scores and only the longest are labelled (all are
  // listed in the table beside the plot).
  function drawPca(el, pca) {
    var traces = pca.series.map(function (s) {
      return { x: s.x, y: s.y, text: s.text, name: s.name, mode: "markers", type: "scatter",
               marker: { size: 5, opacity: 0.7 }, hovertemplate: "%{text}<extra>%{fullData.name}</extra>" };
    });
    var scale = pca.loading_scale || 1, annotations = [];
    Object.keys(pca.loadings).forEach(function (f) {
      var l = pca.loadings[f], x = l[0] * scale, y = (l[1] || 0) * scale;
      var labelled = pca.labelled.indexOf(f) >= 0;
      annotations.push({ x: x, y: y, ax: 0, ay: 0, axref: "x", ayref: "y", xref: "x", yref: "y",
                         text: "", showarrow: true, arrowhead: 2, arrowcolor: labelled ? "#333" : "#999" });
      // An arrow's label sits at its head, not at the origin where every arrow starts.
      if (labelled) {
        annotations.push({ x: x, y: y, xref: "x", yref: "y", showarrow: false,
                           text: (pca.labels || {})[f] || f.replace(/_/g, " "),
                           xanchor: x >= 0 ? "left" : "right", yanchor: y >= 0 ? "bottom" : "top",
                           font: { size: 11, color: "#222" }, bgcolor: "rgba(255,255,255,0.8)" });
      }
    });
    var ev = pca.explained || [];
    Plotly.newPlot(el, traces, merge(layoutBase, {
      title: { text: (el.dataset.title || "PC1 × PC2 (arrows: loadings × {scale})").replace("{scale}", scale.toFixed(1)), font: { size: 13 } },
      xaxis: { title: "PC1" + (ev[0] ? " (" + (100 * ev[0]).toFixed(1) + " %)" : ""), zeroline: true },
      yaxis: { title: "PC2" + (ev[1] ? " (" + (100 * ev[1]).toFixed(1) + " %)" : ""), zeroline: true },
      annotations: annotations, legend: { orientation: "h", y: -0.2 }
    }), config);
    var note = document.getElementById("pca-note");
    if (note && pca.step > 1) {
      note.textContent = note.getAttribute("data-sampled")
        .replace("{shown}", pca.shown.toLocaleString()).replace("{total}", pca.total.toLocaleString());
    }
  }
  var pcaEl = document.getElementById("pca-plot");
  if (pcaEl && pcaEl.getAttribute("data-src")) {
    fetch(pcaEl.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (pca) { if (pca.series) drawPca(pcaEl, pca); })
      .catch(function () { pcaEl.textContent = pcaEl.getAttribute("data-error"); });
  }

  var profiles = data("profile-data");
  if (profiles && document.getElementById("profile-plot")) {
    var lines = profiles.series.map(function (s) {
      return { x: profiles.features.map(function (f) { return (profiles.labels || {})[f] || f.replace(/_/g, " "); }), y: s.z, name: s.name,
               mode: "lines+markers", type: "scatter" };
    });
    Plotly.newPlot("profile-plot", lines, merge(layoutBase, {
      title: { text: document.getElementById("profile-plot").dataset.title || "", font: { size: 13 } },
      yaxis: { title: "z", zeroline: true }, xaxis: { tickangle: -35, automargin: true },
      legend: { orientation: "h", y: -0.45 }
    }), config);
  }

  var series = data("patient-series");
  if (series) {
    Object.keys(series).forEach(function (name, i) {
      var el = document.getElementById("patient-plot-" + i), s = series[name];
      var label = s.label || name;
      if (!el || !s.points.length) {
        if (el) { var p = document.createElement("p"); p.className = "muted"; p.textContent = el.dataset.empty || label; el.appendChild(p); }
        return;
      }
      // Fixed ranges from the server: one visit is a dot mid-axis with dates as dates,
      // not a millisecond-wide axis.
      Plotly.newPlot(el, [{ x: s.points.map(function (p) { return p.date; }),
                            y: s.points.map(function (p) { return p.value; }),
                            mode: s.points.length > 1 ? "lines+markers" : "markers", type: "scatter",
                            marker: { size: 8 }, name: name }],
        merge(layoutBase, { title: { text: label, font: { size: 13 } }, height: 240, showlegend: false,
                            xaxis: { type: "date", range: s.x_range, tickformat: german ? "%m.%Y" : "%Y-%m",
                                     nticks: el.clientWidth < 500 ? 4 : 6 },
                            yaxis: { range: s.y_range } }), config);
    });
  }
})();
