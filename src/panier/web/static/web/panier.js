// Small enhancements for pages that already work without JavaScript; a
// page that needs them loads this file in its "head" block.
// Kept in a static file: the Content-Security-Policy allows no inline script.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});

// Add to basket without leaving the page. The form still works without
// JavaScript (it posts and the browser goes on to the basket); here the
// same form is posted asking for JSON, the navigation's basket count is
// updated and the message shown where the page shows its messages. If the
// request cannot be sent at all, the form is posted the plain way.
function panierShowMessage(text, kind) {
  var main = document.getElementById("main");
  if (!main) {
    return;
  }
  var list = main.querySelector("ul.messages");
  if (!list) {
    list = document.createElement("ul");
    list.className = "messages";
    list.setAttribute("role", "status");
    main.insertBefore(list, main.firstChild);
  }
  var item = document.createElement("li");
  item.className = "msg-" + kind;
  item.textContent = text;
  list.replaceChildren(item);
}

document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches || !form.matches("form.add-form") || !window.fetch || !window.FormData) {
    return;
  }
  event.preventDefault();
  var button = form.querySelector("button[type=submit]");
  if (button) {
    button.disabled = true;
  }
  fetch(form.action, {
    method: "POST",
    body: new FormData(form),
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
    .then(function (response) {
      return response.json().then(function (body) {
        return { ok: response.ok, body: body };
      });
    })
    .then(function (result) {
      if (result.ok) {
        document.querySelectorAll(".basket-count").forEach(function (count) {
          count.textContent = result.body.count_label;
        });
        panierShowMessage(result.body.message, "success");
      } else {
        panierShowMessage(result.body.message, "error");
      }
    })
    .catch(function () {
      form.submit();
    })
    .finally(function () {
      if (button) {
        button.disabled = false;
      }
    });
});
