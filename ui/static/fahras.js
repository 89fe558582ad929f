// Fahras web interface: page direction and the language in the URL, the question box's
// direction and its length notice, "show in the report" (beside the results, or in place on
// a narrow screen) and "copy citation". No network access of any kind.
(function () {
  "use strict";

  // The page's language, and the same in the URL (?lang=en): a refresh or a shared link
  // opens the page in it. Other URL parameters are kept.
  function setLang(lang, inUrl) {
    var rtl = lang !== "en";
    document.documentElement.setAttribute("dir", rtl ? "rtl" : "ltr");
    document.documentElement.setAttribute("lang", rtl ? "ar" : "en");
    if (inUrl && window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      if (url.searchParams.get("lang") !== (rtl ? "ar" : "en")) {
        url.searchParams.set("lang", rtl ? "ar" : "en");
        window.history.replaceState(window.history.state, "", url.toString());
      }
    }
    showLengthNotice();
  }
  window.fahrasSetLang = setLang;

  // A text over the limit is not cut: a notice under the box says how long it is.
  function showLengthNotice() {
    var notice = document.querySelector(".query-notice");
    var box = document.querySelector("#query textarea");
    if (!notice || !box) return;
    var n = Array.from(box.value.trim()).length;
    var limit = parseInt(notice.getAttribute("data-limit"), 10);
    if (!(n > limit)) {
      notice.hidden = true;
      return;
    }
    var lang = document.documentElement.getAttribute("lang") === "en" ? "en" : "ar";
    // "6,000" in English; «6000» in Arabic (a comma would read as a decimal separator)
    var fmt = function (x) { return lang === "en" ? x.toLocaleString("en") : String(x); };
    notice.textContent = notice.getAttribute("data-" + lang)
      .replace("{n}", fmt(n)).replace("{limit}", fmt(limit));
    notice.setAttribute("dir", lang === "en" ? "ltr" : "rtl");
    notice.hidden = false;
  }
  document.addEventListener("input", function (ev) {
    if (ev.target.closest && ev.target.closest("#query")) showLengthNotice();
  });

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

  // On a narrow screen the report comes after all the results: far below. There the passage
  // opens in place instead, under the button, with the passages before and after it; the
  // same button closes it.
  function reportIsBelow() {
    var results = document.getElementById("results-col");
    var report = document.getElementById("report-col");
    if (!results || !report) return false;
    return report.getBoundingClientRect().top >= results.getBoundingClientRect().bottom - 1;
  }

  function copyOf(node, cls) {
    var copy = node.cloneNode(true);
    copy.removeAttribute("id");
    copy.classList.remove("focus");
    copy.classList.add(cls);
    return copy;
  }

  function toggleInPlace(button, target) {
    var card = button.closest(".hit, .fahras-answer");
    var open = card.querySelector(".in-place");
    if (open) {
      open.remove();
      button.textContent = button.getAttribute("data-show") || button.textContent;
      button.setAttribute("aria-expanded", "false");
      return;
    }
    var box = document.createElement("div");
    box.className = "in-place";
    box.setAttribute("dir", target.closest(".report-doc").getAttribute("dir") || "rtl");
    var before = target.previousElementSibling, after = target.nextElementSibling;
    if (before && before.classList.contains("rp")) box.appendChild(copyOf(before, "context"));
    box.appendChild(copyOf(target, "here"));
    if (after && after.classList.contains("rp")) box.appendChild(copyOf(after, "context"));
    button.closest(".actions").after(box);
    button.setAttribute("data-show", button.textContent);
    button.textContent = button.getAttribute("data-hide") || button.textContent;
    button.setAttribute("aria-expanded", "true");
    // the passage near the top, the end of the one before it just visible above it
    var focus = box.querySelector(".here");
    box.scrollTop = Math.max(0, focus.offsetTop - box.offsetTop - 56);
  }

  function showInReport(button, anchor) {
    var target = document.getElementById(anchor);
    if (!target) return;
    if (reportIsBelow()) {
      toggleInPlace(button, target);
      return;
    }
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
      showInReport(show, show.getAttribute("data-anchor"));
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
    var wanted = new URLSearchParams(window.location.search).get("lang");
    setLang(wanted === "en" ? "en" : "ar", false);
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
