// The waiting room (meetups/waiting_room.py): send the form again by itself once the fan's turn is
// near, with a little jitter so that a crowd does not come back in the same millisecond. The form
// carries the signed ticket, so each retry keeps the fan's place. Without JavaScript the button does it.
const form = document.getElementById("waiting-form");
if (form) {
  const seconds = Math.max(1, Number(form.dataset.retry) || 3);
  const countdown = document.getElementById("retry-countdown");
  let left = seconds;
  if (countdown) countdown.hidden = false;
  const tick = setInterval(() => {
    left -= 1;
    if (countdown && left > 0) countdown.textContent = countdown.textContent.replace(/\d+/, String(left));
  }, 1000);
  setTimeout(() => {
    clearInterval(tick);
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }, seconds * 1000 + Math.random() * 500);
}
