// Passerelle, school pages: the column menus of the Situation école list.
// The menus are <details> elements with forms inside, so they open, sort
// and choose columns without this script; it adds what people expect of a
// menu (arrow keys, Escape, the « Colonnes » submenu on hover), shows a
// ticked column at once and saves the choice in the background.
(function () {
  "use strict";

  var ITEM = '[role="menuitem"], [role="menuitemcheckbox"]';

  // items returns the focusable items of one menu level, not those of its
  // submenus.
  function items(menu) {
    var all = menu.querySelectorAll(ITEM);
    var out = [];
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (el.closest('[role="menu"]') === menu && !el.disabled) {
        out.push(el);
      }
    }
    return out;
  }

  function colmenuOf(el) {
    return el.closest("details.colmenu");
  }

  function topMenu(colmenu) {
    return colmenu.querySelector(':scope > [role="menu"]');
  }

  function focusItem(list, i) {
    if (list.length === 0) {
      return;
    }
    var n = (i + list.length) % list.length;
    list[n].focus();
  }

  // setOpen opens or closes a menu; aria-expanded follows at once (the
  // toggle event that also sets it comes a moment later).
  function setOpen(details, open) {
    details.open = open;
    details.querySelector(":scope > summary").setAttribute("aria-expanded", open ? "true" : "false");
  }

  function openColmenu(colmenu, last) {
    setOpen(colmenu, true);
    var list = items(topMenu(colmenu));
    focusItem(list, last ? list.length - 1 : 0);
  }

  function closeColmenu(colmenu) {
    var sub = colmenu.querySelector("details.submenu");
    if (sub) {
      setOpen(sub, false);
    }
    setOpen(colmenu, false);
    colmenu.querySelector(":scope > summary").focus();
  }

  function openSubmenu(sub) {
    setOpen(sub, true);
    var menu = sub.querySelector('[role="menu"]');
    focusItem(items(menu), 0);
  }

  // Capture phase, on window: runs before the generic handler of app.js,
  // so that Escape in the submenu closes only the submenu.
  window.addEventListener(
    "keydown",
    function (event) {
      var target = event.target;
      if (!(target instanceof Element)) {
        return;
      }
      var colmenu = colmenuOf(target);
      if (!colmenu) {
        return;
      }
      var key = event.key;

      // The arrow button of a column heading.
      if (target.parentElement === colmenu && target.tagName === "SUMMARY") {
        if (key === "ArrowDown" || key === "Enter" || key === " ") {
          event.preventDefault();
          openColmenu(colmenu, false);
        } else if (key === "ArrowUp") {
          event.preventDefault();
          openColmenu(colmenu, true);
        } else if (key === "Escape" && colmenu.open) {
          event.preventDefault();
          event.stopPropagation();
          closeColmenu(colmenu);
        }
        return;
      }

      var menu = target.closest('[role="menu"]');
      if (!menu || !target.matches(ITEM)) {
        return;
      }
      var list = items(menu);
      var i = list.indexOf(target);
      var sub = menu.closest("details.submenu");
      var inSub = sub && colmenu.contains(sub) && menu !== topMenu(colmenu);
      var ownSub = target.tagName === "SUMMARY" ? target.parentElement : null;

      switch (key) {
        case "ArrowDown":
          event.preventDefault();
          focusItem(list, i + 1);
          break;
        case "ArrowUp":
          event.preventDefault();
          focusItem(list, i - 1);
          break;
        case "Home":
          event.preventDefault();
          focusItem(list, 0);
          break;
        case "End":
          event.preventDefault();
          focusItem(list, list.length - 1);
          break;
        case "ArrowRight":
          if (ownSub) {
            event.preventDefault();
            openSubmenu(ownSub);
          }
          break;
        case "ArrowLeft":
          if (inSub) {
            event.preventDefault();
            setOpen(sub, false);
            sub.querySelector(":scope > summary").focus();
          }
          break;
        case "Enter":
        case " ":
          if (ownSub) {
            event.preventDefault();
            openSubmenu(ownSub);
          } else if (key === "Enter" && target.type === "checkbox") {
            event.preventDefault();
            target.click();
          }
          break;
        case "Escape":
          event.preventDefault();
          event.stopPropagation();
          if (inSub) {
            setOpen(sub, false);
            sub.querySelector(":scope > summary").focus();
          } else {
            closeColmenu(colmenu);
          }
          break;
        case "Tab":
          setOpen(colmenu, false);
          break;
      }
    },
    true
  );

  // Space opens a button on keyup; the keydown above already opened the
  // menu, so the keyup must not toggle it closed again.
  window.addEventListener(
    "keyup",
    function (event) {
      var t = event.target;
      if (event.key === " " && t instanceof Element && t.tagName === "SUMMARY" && t.closest("details.colmenu")) {
        event.preventDefault();
      }
    },
    true
  );

  // Menu items are reached with the arrows, not with Tab (one stop per
  // menu); aria-expanded follows the menus.
  function initMenus() {
    var all = document.querySelectorAll("details.colmenu");
    for (var i = 0; i < all.length; i++) {
      var colmenu = all[i];
      var its = colmenu.querySelectorAll(ITEM);
      for (var j = 0; j < its.length; j++) {
        its[j].setAttribute("tabindex", "-1");
      }
      var summaries = colmenu.querySelectorAll("summary");
      for (var k = 0; k < summaries.length; k++) {
        summaries[k].setAttribute("aria-expanded", "false");
      }
    }
  }

  // fit keeps an open menu inside the window: it opens towards the left
  // when it would pass the right edge (towards the right when it would pass
  // the left one), upwards when there is more room above, and scrolls when
  // it is taller than the room it has.
  var MARGIN = 4;

  function fit(menu) {
    var sub = !!menu.closest("details.submenu");
    menu.classList.remove("flip-x", "flip-x-right", "flip-y", "scrolls");
    menu.style.maxHeight = "";
    menu.style.top = "";
    var vw = document.documentElement.clientWidth;
    var vh = window.innerHeight;
    var r = menu.getBoundingClientRect();
    if (r.right > vw - MARGIN) {
      menu.classList.add("flip-x");
    } else if (r.left < MARGIN) {
      menu.classList.add(sub ? "flip-x-right" : "flip-x");
    }
    r = menu.getBoundingClientRect();
    if (r.right > vw - MARGIN || r.left < MARGIN) {
      // Neither side has the room: the side with more of it.
      menu.classList.remove("flip-x", "flip-x-right");
      r = menu.getBoundingClientRect();
    }
    if (r.bottom <= vh - MARGIN) {
      return;
    }
    if (sub) {
      // A submenu moves up beside its item, and scrolls if it must.
      var room = vh - 2 * MARGIN;
      if (r.height > room) {
        menu.style.maxHeight = room + "px";
        menu.classList.add("scrolls");
      }
      var shift = Math.min(r.top - MARGIN, r.top + Math.min(r.height, room) - (vh - MARGIN));
      var top = parseFloat(getComputedStyle(menu).top) || 0;
      menu.style.top = top - Math.max(shift, 0) + "px";
      return;
    }
    var anchor = menu.parentElement.getBoundingClientRect();
    var below = vh - r.top - MARGIN;
    var above = anchor.top - MARGIN;
    if (above > below) {
      menu.classList.add("flip-y");
      if (r.height > above) {
        menu.style.maxHeight = above + "px";
        menu.classList.add("scrolls");
      }
    } else {
      menu.style.maxHeight = below + "px";
      menu.classList.add("scrolls");
    }
  }

  document.addEventListener(
    "toggle",
    function (event) {
      var d = event.target;
      if (d instanceof HTMLDetailsElement && d.open && d.matches("details.menu, details.submenu")) {
        var m = d.querySelector(':scope > [role="menu"], :scope > form > [role="menu"]');
        if (m) {
          fit(m);
        }
      }
    },
    true
  );
  window.addEventListener("resize", function () {
    var open = document.querySelectorAll("details.menu[open], details.submenu[open]");
    for (var i = 0; i < open.length; i++) {
      var m = open[i].querySelector(':scope > [role="menu"], :scope > form > [role="menu"]');
      if (m) {
        fit(m);
      }
    }
  });

  document.addEventListener(
    "toggle",
    function (event) {
      var d = event.target;
      if (!(d instanceof HTMLDetailsElement) || !(d.matches("details.colmenu") || d.matches("details.submenu"))) {
        return;
      }
      d.querySelector(":scope > summary").setAttribute("aria-expanded", d.open ? "true" : "false");
      if (!d.open) {
        var sub = d.querySelector("details.submenu[open]");
        if (sub) {
          sub.open = false;
        }
      }
    },
    true
  );

  // « Colonnes » opens when the pointer rests on it, as in the school
  // software; a click never closes it (it would after the hover opened it).
  document.addEventListener("mouseover", function (event) {
    var li = event.target instanceof Element && event.target.closest(".colmenu .has-submenu");
    if (li) {
      li.querySelector("details.submenu").open = true;
    }
  });
  document.addEventListener("mouseout", function (event) {
    var li = event.target instanceof Element && event.target.closest(".colmenu .has-submenu");
    if (!li || (event.relatedTarget instanceof Node && li.contains(event.relatedTarget))) {
      return;
    }
    var sub = li.querySelector("details.submenu");
    if (!sub.contains(document.activeElement)) {
      sub.open = false;
    }
  });
  document.addEventListener("click", function (event) {
    var summary = event.target instanceof Element && event.target.closest("details.submenu > summary");
    if (summary && summary.parentElement.open) {
      event.preventDefault();
    }
  });

  // Ticking a column shows or hides it at once, in every menu, and saves
  // the choice; if saving fails, the form is sent the ordinary way.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.getAttribute("role") !== "menuitemcheckbox") {
      return;
    }
    var form = box.form;
    var key = box.value;
    var same = document.querySelectorAll('input[role="menuitemcheckbox"][value="' + key + '"]');
    for (var i = 0; i < same.length; i++) {
      same[i].checked = box.checked;
    }
    var table = document.getElementById("liste");
    if (table) {
      table.classList.toggle("hide-" + key, !box.checked);
    }
    var token = form.querySelector('input[name="csrf"]');
    var body = new URLSearchParams(new FormData(form));
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token ? token.value : "", "X-Requested-With": "fetch" },
    })
      .then(function (res) {
        if (!res.ok) {
          throw new Error("HTTP " + res.status);
        }
      })
      .catch(function () {
        form.submit();
      });
  });

  // The switch « Afficher les membres non actifs » and the filters apply at
  // once. A filter chosen with the arrow keys (which change a closed select
  // at each press) applies on Enter or when the focus leaves it, not at
  // every step.
  var keyed = null;
  document.addEventListener(
    "keydown",
    function (event) {
      var el = event.target;
      if (!(el instanceof HTMLSelectElement) || !el.hasAttribute("data-autosubmit") || !el.form) {
        return;
      }
      if (event.key === "Enter") {
        event.preventDefault();
        el.form.requestSubmit();
      } else if (/^(Arrow|Page|Home|End)/.test(event.key) || event.key.length === 1) {
        keyed = el;
      }
    },
    true
  );
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement) || !el.hasAttribute("data-autosubmit") || !el.form) {
      return;
    }
    if (el === keyed) {
      el.setAttribute("data-changed", "");
      return;
    }
    el.form.requestSubmit();
  });
  document.addEventListener("focusout", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-changed") && el.form) {
      el.removeAttribute("data-changed");
      keyed = null;
      el.form.requestSubmit();
    }
  });
  document.addEventListener("mousedown", function () {
    keyed = null;
  });

  // On the fiche, a new function whose usual role or promotion box differs
  // from what is encoded (IP → DC) sets them, and the notice above the form
  // says so before anything is saved. Without the script, the server shows
  // the same proposal on « Enregistrer ».
  document.addEventListener("change", function (event) {
    var sel = event.target;
    if (!(sel instanceof HTMLSelectElement) || sel.id !== "f-Function") {
      return;
    }
    var opt = sel.options[sel.selectedIndex];
    var role = document.getElementById("f-Role");
    var promo = document.getElementById("f-Promotion");
    var notice = document.getElementById("proposition");
    if (!opt || !opt.hasAttribute("data-role") || !role || !promo || !notice) {
      return;
    }
    var wantRole = opt.getAttribute("data-role");
    var wantPromo = opt.hasAttribute("data-promotion");
    var changes = [];
    if (role.value !== "" && wantRole !== "" && role.value !== wantRole) {
      changes.push("rôle extranet « " + role.value + " » → « " + wantRole + " »");
      role.value = wantRole;
    }
    if (promo.checked !== wantPromo) {
      changes.push("fonction de promotion " + (wantPromo ? "cochée" : "décochée"));
      promo.checked = wantPromo;
    }
    if (changes.length === 0) {
      return;
    }
    notice.textContent = "";
    var p = document.createElement("p");
    p.textContent = "La fonction " + opt.textContent + " va d'habitude avec d'autres réglages ; la fiche les propose : " +
      changes.join(", ") + ". Rien n'est enregistré avant « Enregistrer ».";
    var seen = document.createElement("input");
    seen.type = "hidden";
    seen.name = "proposition-vue";
    seen.value = "1";
    notice.appendChild(p);
    notice.appendChild(seen);
    notice.hidden = false;
  });

  // The list's address holds only the filters in use: « ?role=vide »,
  // not « ?q=&fonction=&…&role=vide ».
  document.addEventListener("formdata", function (event) {
    if (!(event.target instanceof HTMLFormElement) || event.target.id !== "filtres") {
      return;
    }
    var empty = [];
    event.formData.forEach(function (value, key) {
      if (value === "") {
        empty.push(key);
      }
    });
    empty.forEach(function (key) {
      event.formData.delete(key);
    });
  });

  // « Imprimer » on the print view.
  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // After a sort the page comes back as /#menu-KEY: the browser focuses
  // that column's menu button, where the person left it. Some browsers
  // only scroll there; focus it for them once the page is loaded.
  function restoreFocus() {
    var m = /^#menu-([a-z]+)$/.exec(window.location.hash);
    var summary = m && document.getElementById("menu-" + m[1]);
    if (summary && document.activeElement !== summary) {
      summary.focus({ preventScroll: true });
    }
    // The list after a sort starts at its top, not with its first rows
    // under the sticky headings.
    if (summary) {
      window.scrollTo(0, 0);
    }
  }

  initMenus();
  restoreFocus();
  window.addEventListener("load", restoreFocus);
})();
