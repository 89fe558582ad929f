// Fahras web interface: page direction, the question box's direction, "show in the report"
// and "copy citation". No network access of any kind.
(function () {
  "use strict";

  function setLang(lang) {
    var rtl = lang !== "en";
    document.documentElement.setAttribute("dir", rtl ? "rtl" : "ltr");
    document.documentElement.setAttribute("lang", rtl ? "ar" : "en");
  }
  window.fahrasSetLang = setLang;
  var wanted = new URLSearchParams(window.location.search).get("lang");
  setLang(wanted === "en" ? "en" : "ar");

  // The question box takes the direction of what is typed (Arabic or English). Gradio sets
  // dir="ltr"/"rtl" on its textarea; put "auto" back whenever that happens.
  function autoDir() {
    var boxes = document.querySelectorAll("#query textarea, #query input[type=text]");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].getAttribute("dir") !== "auto") boxes[i].setAttribute("dir", "auto");
    }
  }

  // Scroll the report pane (not the page) so that the passage is near its top; if the pane
  // itself is out of sight (narrow screens put it under the results), bring it into view.
  function scrollPane(target) {
    var pane = target.closest(".fahras-report");
    if (!pane) return;
    var top = target.getBoundingClientRect().top - pane.getBoundingClientRect().top;
    pane.scrollTop = pane.scrollTop + top - 12;
    var r = target.getBoundingClientRect();
    if (r.top < 0 || r.top > window.innerHeight - 40) pane.scrollIntoView({ block: "start" });
  }

  window.fahrasScrollToFocus = function (root) {
    var target = (root || document).querySelector(".fahras-report .rp.focus");
    if (target) scrollPane(target);
  };

  function showInReport(anchor) {
    var target = document.getElementById(anchor);
    if (!target) return;
    var old = document.querySelectorAll(".fahras-report .rp.focus");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("focus");
    target.classList.add("focus");
    scrollPane(target);
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try {
        document.execCommand("copy") ? resolve() : reject(new Error("copy refused"));
      } catch (e) {
        reject(e);
      } finally {
        document.body.removeChild(area);
      }
    });
  }

  document.addEventListener("click", function (ev) {
    var show = ev.target.closest && ev.target.closest("button.show-in-report");
    if (show) {
      ev.preventDefault();
      showInReport(show.getAttribute("data-anchor"));
      return;
    }
    var copy = ev.target.closest && ev.target.closest("button.copy-cite");
    if (copy) {
      ev.preventDefault();
      var cite = copy.closest(".hit, .fahras-answer").querySelector(".cite");
      var label = copy.textContent;
      var done = function () {
        copy.textContent = copy.getAttribute("data-copied") || label;
        copy.classList.add("done");
        setTimeout(function () { copy.textContent = label; copy.classList.remove("done"); }, 1500);
      };
      copyText(cite.textContent).then(done, function () {
        // Copy refused (no clipboard permission): select the text so Ctrl+C works.
        var range = document.createRange();
        range.selectNodeContents(cite);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      });
    }
  });

  function start() {
    autoDir();
    new MutationObserver(autoDir).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ["dir"],
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
