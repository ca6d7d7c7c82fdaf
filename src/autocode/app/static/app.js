// Keyboard shortcuts of the coding screen (Prodigy-style): 1-9 tick a code, Enter saves and
// shows the next answer, s skips, u goes back to the last saved answer. Keys typed into a
// text field are left alone.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" && el.type !== "checkbox" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
  }
  document.addEventListener("keydown", function (ev) {
    var form = document.getElementById("code-form");
    if (!form || ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) {
      return;
    }
    var k = ev.key;
    if (k >= "1" && k <= "9") {
      var box = form.querySelector('input[data-key="' + k + '"]');
      if (box) { box.checked = !box.checked; ev.preventDefault(); }
    } else if (k === "Enter") {
      ev.preventDefault();
      form.requestSubmit();
    } else if (k === "s") {
      ev.preventDefault();
      document.getElementById("skip").click();
    } else if (k === "u") {
      var back = document.getElementById("back");
      if (back && !back.disabled) { ev.preventDefault(); back.click(); }
    }
  });
  // Says the shortcuts are listening (the script is deferred: the page shows before it runs).
  document.documentElement.setAttribute("data-keys", "ready");
})();
