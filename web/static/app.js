// Passerelle: the few enhancements the pages use. Loaded on every page with
// <script src="/static/app.js?v=…" defer>; the Content-Security-Policy allows
// no inline script, so behaviour is attached here from data- attributes.
(function () {
  "use strict";

  // Confirmation before a destructive or irreversible action:
  //   <form method="post" data-confirm="Désactiver cet accès ?">
  // or on the button that submits, when a form has several:
  //   <button name="action" value="delete" data-confirm="Supprimer ?">
  // Without JavaScript the form is sent without asking, which is acceptable:
  // the server never relies on the question having been asked.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) {
        return;
      }
      var submitter = event.submitter;
      var message =
        (submitter && submitter.getAttribute("data-confirm")) ||
        form.getAttribute("data-confirm");
      if (message && !window.confirm(message)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  // Menus are <details class="menu">, which open without script; this only
  // closes an open one on a click elsewhere or on Escape, as people expect.
  function closeMenus(except) {
    var open = document.querySelectorAll("details.menu[open]");
    for (var i = 0; i < open.length; i++) {
      if (open[i] !== except) {
        open[i].removeAttribute("open");
      }
    }
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    closeMenus(target instanceof Element ? target.closest("details.menu") : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var menu = document.activeElement && document.activeElement.closest("details.menu[open]");
    closeMenus(null);
    if (menu) {
      menu.querySelector("summary").focus();
    }
  });
})();
