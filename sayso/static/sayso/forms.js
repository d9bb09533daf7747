/* Small form behaviours, without inline handlers (the Content-Security-Policy allows no inline
 * script): a form with data-confirm asks before it is sent, and a field with data-autosubmit
 * sends its form when it changes. Without JavaScript the forms still work as plain forms. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof Element) || !field.hasAttribute("data-autosubmit")) return;
    var form = field.closest("form");
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  });
})();
