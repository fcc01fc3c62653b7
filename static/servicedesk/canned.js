// Ticket page: choosing a canned reply fills the answer box with its text (already filled for this fan).
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches || !select.matches("select[data-fills]") || !select.value) return;
  var box = document.getElementById(select.getAttribute("data-fills"));
  if (!box) return;
  box.value = select.value;
  box.focus();
});
