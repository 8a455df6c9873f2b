// Copies the invitation code from the link's fragment (never sent to the server) into the form.
(function () {
  var m = /[#&]code=([A-Za-z0-9_.-]+)/.exec(window.location.hash);
  var f = document.getElementById("code");
  if (m && f) { f.value = m[1]; history.replaceState(null, "", window.location.pathname); }
})();
