// The 重要紧急 board: drag a task to another quadrant (HTML5 drag and drop), or pick the
// quadrant from the task's menu on a phone; the server stores the two booleans.
(function () {
  const board = document.getElementById("board");
  if (!board) return;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  let dragged = null;

  function move(task, quadrant) {
    const body = new URLSearchParams({ quadrant: quadrant.dataset.quadrant });
    return fetch(board.dataset.moveUrl.replace("0", task.dataset.task), {
      method: "POST", headers: { "X-CSRFToken": token }, body: body,
    }).then(function (r) {
      if (!r.ok) return;
      const empty = quadrant.querySelector(".empty");
      if (empty) empty.remove();
      quadrant.appendChild(task);
      task.dataset.moved = quadrant.dataset.quadrant;
    });
  }

  board.querySelectorAll(".task").forEach(function (el) {
    el.addEventListener("dragstart", function (e) {
      dragged = el;
      e.dataTransfer.setData("text/plain", el.dataset.task);
    });
    const pick = el.querySelector("select");
    if (pick) pick.addEventListener("change", function () {
      move(el, board.querySelector('[data-quadrant="' + pick.value + '"]'));
    });
  });
  board.querySelectorAll(".quadrant").forEach(function (q) {
    q.addEventListener("dragover", function (e) { e.preventDefault(); });
    q.addEventListener("drop", function (e) {
      e.preventDefault();
      if (dragged) move(dragged, q);
      dragged = null;
    });
  });
})();
