// The supervision cockpit's charts: each [data-chart] element loads its table from the
// statistics API (data-src) and draws it with ECharts. The same figures are in the table
// beside each chart; without JavaScript the page still shows every table.
(function () {
  "use strict";

  if (typeof window.echarts === "undefined") {
    return;
  }

  const PALETTE = ["#1f6f5c", "#d9822b", "#3f6fb5", "#b5473f", "#7a5aa6", "#5c8a2e", "#8a6d3b"];

  function column(table, key) {
    return table.columns.findIndex((c) => c.key === key);
  }

  function values(table, key) {
    const at = column(table, key);
    return table.rows.map((row) => row[at]);
  }

  function label(table, key) {
    const at = column(table, key);
    return at < 0 ? key : table.columns[at].label;
  }

  // Room for a legend that wraps onto two lines on a phone.
  function top(element) {
    return element.clientWidth < 600 ? 80 : 45;
  }

  function bars(table, nameKey, keys, horizontal, element) {
    const names = values(table, nameKey);
    const category = { type: "category", data: names, axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } };
    const value = { type: "value" };
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: horizontal ? 140 : 50, right: 20, bottom: horizontal ? 30 : 80, top: top(element) },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: keys.map((key) => ({ name: label(table, key), type: "bar", data: values(table, key) })),
    };
  }

  function trends(table, element) {
    const keys = ["complaints_received", "complaints_closed", "inspections_done", "declarations_submitted"];
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 20, bottom: 60, top: top(element) },
      xAxis: { type: "category", data: values(table, "month") },
      yAxis: { type: "value" },
      dataZoom: [{ type: "slider", bottom: 10, height: 20 }],
      series: keys.map((key) => ({ name: label(table, key), type: "line", data: values(table, key) })),
    };
  }

  function flows(table, texts) {
    const from = column(table, "from_label");
    const to = column(table, "to_label");
    const count = column(table, "count");
    const nodes = new Map();
    const links = table.rows.map((row) => {
      // Two columns of nodes (before and after the move): a pool may be left and entered again.
      const source = texts.from + ": " + row[from];
      const target = texts.to + ": " + row[to];
      nodes.set(source, { name: source, depth: 0 });
      nodes.set(target, { name: target, depth: 1 });
      return { source: source, target: target, value: row[count] };
    });
    return {
      color: PALETTE,
      tooltip: { trigger: "item" },
      series: [{
        type: "sankey",
        data: Array.from(nodes.values()),
        links: links,
        left: 10,
        right: 160,
        emphasis: { focus: "adjacency" },
        lineStyle: { color: "gradient", curveness: 0.5 },
      }],
    };
  }

  function options(key, table, texts, element) {
    switch (key) {
      case "regions":
        return bars(table, "region", ["merchants", "in_programme", "complaints_received"], false, element);
      case "trends":
        return trends(table, element);
      case "flows":
        return flows(table, texts);
      case "categories":
      case "industries":
        return bars(table, "label", ["count"], true, element);
      case "league": {
        const rows = table.rows.filter((row) => row[0] !== "");
        return bars(Object.assign({}, table, { rows: rows }), "region", ["targets_met"], false, element);
      }
      default:
        return null;
    }
  }

  function draw(element, texts) {
    return fetch(element.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then((table) => {
        if (!table.rows.length) {
          element.classList.add("cockpit-chart-empty");
          return;
        }
        const option = options(element.dataset.chart, table, texts, element);
        if (!option) {
          return;
        }
        option.animation = false;
        const chart = window.echarts.init(element, null, { renderer: "canvas" });
        chart.setOption(option);
        window.addEventListener("resize", () => chart.resize());
        window.addEventListener("beforeprint", () => chart.resize());
        element.classList.add("cockpit-chart-drawn");
      })
      .catch(() => {
        element.classList.add("cockpit-chart-failed");
      });
  }

  const root = document.querySelector("[data-cockpit]");
  const texts = {
    from: root ? root.dataset.textFrom : "From",
    to: root ? root.dataset.textTo : "To",
  };
  // Print every table, closed or open.
  window.addEventListener("beforeprint", () => {
    for (const details of document.querySelectorAll(".cockpit-table")) {
      details.open = true;
    }
  });
  // One request after another: the page's first figures come sooner, the server is spared.
  let chain = Promise.resolve();
  for (const element of document.querySelectorAll("[data-chart]")) {
    chain = chain.then(() => draw(element, texts));
  }
})();
