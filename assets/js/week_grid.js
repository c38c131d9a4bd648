// Drag to paint the weekly half-hour grid (tutorhub/components/week_grid.py), with a mouse or a
// finger. Pointer events on the document: a press on a cell ([data-grid-cell] with data-day and
// data-slot) inside a [data-grid-area] starts a drag; while the pointer moves, the cell under it
// (document.elementFromPoint, since a finger's events stay with the cell it first touched) sets
// the other corner, and the rectangle between the two corners is previewed with the pressed
// cell's new value. On release the drag is kept here and the hidden [data-grid-commit] button of
// the same grid is clicked: its handler reads `window.thWeekGrid.take()` and sends the whole drag
// to the server in one event, which validates it. A press and release on one cell is left to the
// cell's own click (one toggle), and the click that may follow a drag is swallowed.
// Served from the app's own origin (CSP script-src 'self'); no data is interpolated into code.
(function () {
  "use strict";
  if (window.thWeekGrid) return;

  const CELL = "[data-grid-cell]";
  const AREA = "[data-grid-area]";
  let drag = null; // {area, id, anchor: [day, slot], current: [day, slot], value, moved, mouse}
  let pending = null; // [day, slot, day, slot, value] waiting for the commit button's handler
  let swallowClickUntil = 0;
  let generation = 0;

  const style = document.createElement("style");
  style.textContent =
    '[data-grid-cell][data-preview="on"]{background-color:var(--accent-9)!important;color:#fff!important}' +
    '[data-grid-cell][data-preview="off"]{background-color:var(--gray-1)!important;color:var(--gray-12)!important}';
  document.head.appendChild(style);

  function place(cell) {
    return [Number(cell.getAttribute("data-day")), Number(cell.getAttribute("data-slot"))];
  }

  function cellAt(area, x, y) {
    const under = document.elementFromPoint(x, y);
    const cell = under && under.closest ? under.closest(CELL) : null;
    return cell && area.contains(cell) ? cell : null;
  }

  function clearPreview(area) {
    area.querySelectorAll("[data-preview]").forEach(function (c) { c.removeAttribute("data-preview"); });
  }

  function preview(d) {
    const d0 = Math.min(d.anchor[0], d.current[0]), d1 = Math.max(d.anchor[0], d.current[0]);
    const s0 = Math.min(d.anchor[1], d.current[1]), s1 = Math.max(d.anchor[1], d.current[1]);
    const value = d.value ? "on" : "off";
    d.area.querySelectorAll(CELL).forEach(function (c) {
      const p = place(c);
      if (p[0] >= d0 && p[0] <= d1 && p[1] >= s0 && p[1] <= s1) c.setAttribute("data-preview", value);
      else c.removeAttribute("data-preview");
    });
  }

  // Keep the preview until the server's answer shows the same values (or give up after 3 s).
  function settle(area, mine) {
    const started = performance.now();
    function tick() {
      if (mine !== generation) return;
      let left = 0;
      area.querySelectorAll("[data-preview]").forEach(function (c) {
        const want = c.getAttribute("data-preview") === "on";
        if ((c.getAttribute("aria-pressed") === "true") === want) c.removeAttribute("data-preview");
        else left += 1;
      });
      if (!left) return;
      if (performance.now() - started > 3000) clearPreview(area);
      else requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  }

  document.addEventListener("pointerdown", function (e) {
    if (!e.isPrimary || e.button !== 0) return;
    const cell = e.target && e.target.closest ? e.target.closest(CELL) : null;
    const area = cell ? cell.closest(AREA) : null;
    if (!area) return;
    generation += 1;
    clearPreview(area);
    drag = {
      area: area, id: e.pointerId, anchor: place(cell), current: place(cell),
      value: cell.getAttribute("aria-pressed") !== "true", moved: false, mouse: e.pointerType === "mouse",
    };
  });

  document.addEventListener("pointermove", function (e) {
    if (!drag || e.pointerId !== drag.id) return;
    const cell = cellAt(drag.area, e.clientX, e.clientY);
    if (!cell) return;
    const p = place(cell);
    if (p[0] === drag.current[0] && p[1] === drag.current[1]) return;
    drag.current = p;
    if (!drag.moved) {
      drag.moved = true;
      drag.area.setAttribute("data-painting", "true");
      // The release then goes to the area, not to a cell: no cell gets the click of a drag.
      try { drag.area.setPointerCapture(e.pointerId); } catch (err) { /* pointer already gone */ }
    }
    preview(drag);
  });

  function finish(e, keep) {
    if (!drag || e.pointerId !== drag.id) return;
    const d = drag;
    drag = null;
    d.area.removeAttribute("data-painting");
    if (!d.moved) return;
    if (!keep) { clearPreview(d.area); return; }
    // A mouse button released after a drag still clicks (on the area, thanks to the capture); a
    // finger that moved does not tap, so nothing is armed for touch (a quick next tap must count).
    if (d.mouse) swallowClickUntil = performance.now() + 400;
    pending = [d.anchor[0], d.anchor[1], d.current[0], d.current[1], d.value];
    const root = d.area.closest("[data-week-grid]");
    const commit = root ? root.querySelector("[data-grid-commit]") : null;
    if (commit) commit.click();
    settle(d.area, generation);
  }

  document.addEventListener("pointerup", function (e) { finish(e, true); });
  document.addEventListener("pointercancel", function (e) { finish(e, false); });

  // Capture phase on the document runs before React's listeners on its root element.
  document.addEventListener("click", function (e) {
    if (performance.now() > swallowClickUntil) return;
    if (e.target && e.target.closest && e.target.closest(AREA)) {
      swallowClickUntil = 0;
      e.stopPropagation();
      e.preventDefault();
    }
  }, true);

  window.thWeekGrid = {
    take: function () {
      const drag = pending;
      pending = null;
      return drag;
    },
  };
})();
