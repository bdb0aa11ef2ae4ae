// Agent workspace enhancements. Everything here is optional: every page works without JavaScript.
"use strict";

(() => {
  const QUEUE_KEY = "ventanilla.queue";

  const typing = (target) =>
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

  // -- Remembering the queue so j/k on a ticket page go to the neighbouring ticket ------------------
  function rememberQueue() {
    const rows = [...document.querySelectorAll(".queue-row[data-url]")];
    if (rows.length) {
      sessionStorage.setItem(QUEUE_KEY, JSON.stringify(rows.map((row) => row.dataset.url)));
    }
  }

  function neighbour(step) {
    let urls = [];
    try { urls = JSON.parse(sessionStorage.getItem(QUEUE_KEY) || "[]"); } catch (_e) { urls = []; }
    const index = urls.indexOf(window.location.pathname);
    return index >= 0 ? urls[index + step] : undefined;
  }

  // -- Moving through queue rows ----------------------------------------------------------------------
  function moveRow(step) {
    const rows = [...document.querySelectorAll(".queue-row")];
    if (!rows.length) return false;
    const current = rows.findIndex((row) => row.classList.contains("is-current"));
    const next = Math.max(0, Math.min(rows.length - 1, current < 0 ? 0 : current + step));
    rows.forEach((row) => row.classList.remove("is-current"));
    rows[next].classList.add("is-current");
    const link = rows[next].querySelector("td.ticket-number a");
    if (link) link.focus();
    return true;
  }

  function compose(mode) {
    const composer = document.querySelector(".composer-form");
    if (!composer) return;
    const radio = composer.querySelector(`input[name="visibility"][value="${mode}"]`);
    if (radio) radio.checked = true;
    const body = composer.querySelector("textarea");
    if (body) {
      body.scrollIntoView({ block: "center" });
      body.focus();
    }
  }

  function showHelp() {
    const dialog = document.getElementById("shortcut-help");
    if (dialog && !dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    if (document.querySelector("dialog[open]") && event.key !== "?") return;
    const onTicket = document.querySelector(".ticket-page");
    switch (event.key) {
      case "?":
        showHelp();
        break;
      case "j":
      case "k": {
        const step = event.key === "j" ? 1 : -1;
        if (onTicket) {
          const url = neighbour(step);
          if (url) window.location.assign(url);
        } else if (!moveRow(step)) {
          return;
        }
        break;
      }
      case "r":
        compose("reply");
        break;
      case "n":
        compose("note");
        break;
      case "a": {
        const form = document.querySelector("form.js-assign-to-me");
        if (!form) return;
        form.requestSubmit();
        break;
      }
      case "/": {
        const search = document.querySelector(".queue-search input");
        if (!search) return;
        search.focus();
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  });

  // -- Showing only the fields that matter -----------------------------------------------------------
  function toggle(container, selector, visible) {
    for (const element of container.querySelectorAll(selector)) {
      element.hidden = !visible;
      for (const control of element.querySelectorAll("input, select, textarea")) control.disabled = !visible;
    }
  }

  function wire(root) {
    for (const button of root.querySelectorAll(".js-shortcut-help")) {
      button.addEventListener("click", showHelp);
    }
    if (window.htmx) {
      for (const button of root.querySelectorAll(".js-hide-with-htmx")) button.hidden = true;
    }
    for (const form of root.querySelectorAll("form.bulk-form")) {
      const action = form.querySelector("select[name=action]");
      const sync = () => {
        for (const fieldset of form.querySelectorAll(".bulk-params")) {
          const on = fieldset.dataset.action === action.value;
          fieldset.hidden = !on;
          fieldset.disabled = !on;
        }
      };
      action.addEventListener("change", sync);
      sync();
    }
    for (const form of root.querySelectorAll("form.js-transition-form")) {
      const target = form.querySelector("select[name=to]");
      const sync = () => toggle(form, ".js-resolution-fields", target.value === "resolved");
      target.addEventListener("change", sync);
      sync();
    }
    for (const form of root.querySelectorAll("form.contact-form")) {
      const sync = () => {
        const kind = form.querySelector("input[name=kind]:checked");
        toggle(form, ".js-remote-fields", Boolean(kind && kind.value === "remote"));
        const resolve = form.querySelector("input[name=resolve]");
        toggle(form, ".js-resolve-fields", Boolean(resolve && resolve.checked));
        const caller = form.querySelector("input[name=caller]:checked");
        toggle(form, ".new-caller", !caller || caller.value === "");
      };
      form.addEventListener("change", sync);
      form.addEventListener("htmx:afterSettle", sync);
      sync();
    }
    // One filter menu open at a time.
    for (const menu of root.querySelectorAll("details.filter-menu")) {
      menu.addEventListener("toggle", () => {
        if (!menu.open) return;
        for (const other of document.querySelectorAll("details.filter-menu[open]")) {
          if (other !== menu) other.open = false;
        }
      });
    }
    rememberQueue();
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (window.htmx) {
      window.htmx.onLoad((element) => wire(element));
    } else {
      wire(document);
    }
  });
})();
