// The city menu folds behind a button on narrow screens. Without this script the menu simply wraps.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  const nav = document.querySelector("nav.city");
  const toggle = document.querySelector("button.nav-toggle");
  if (!nav || !toggle) return;
  toggle.addEventListener("click", function () {
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
