// Joining a session by first name, and remembering it in this browser.
//
// The token the server issues is kept in localStorage under `listening:<code>` as
// {token, id, name}, so a reload or a dropped connection rejoins as the same person.

function storageKey(code) {
  return `listening:${code}`;
}

/** Return what this browser remembers for the session ({token, id, name}), or null. */
export function rememberedJoin(code) {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey(code)));
    return saved && typeof saved.token === "string" ? saved : null;
  } catch {
    return null;
  }
}

/** Forget this browser's place in the session. */
export function forgetJoin(code) {
  try {
    localStorage.removeItem(storageKey(code));
  } catch {
    // Storage may be switched off; nothing to forget then.
  }
}

function remember(code, joined) {
  try {
    localStorage.setItem(storageKey(code), JSON.stringify(joined));
  } catch {
    // Without storage the page still works; a reload will ask for the name again.
  }
}

const JOIN_ERRORS = {
  unknown_session: "We can't find that session. Check the link you were given.",
  ended: "This session has ended.",
  invalid_name: "Please give a first name of up to 40 characters.",
};

/**
 * Join from a first-name form: check the name, join, and show any problem beside the field,
 * except for the error codes in `handled`, which the caller shows its own way.
 *
 * Resolve with joinSession's result, or null when no name was given.
 */
export async function joinFromForm(form, error, code, handled = []) {
  const input = form.elements.name;
  const name = input.value.trim();
  const problem = (message) => {
    error.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  };
  if (!name) {
    problem("Please give your first name.");
    return null;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  error.textContent = "";
  const result = await joinSession(code, name);
  button.disabled = false;
  if (result.ok) input.removeAttribute("aria-invalid");
  else if (!handled.includes(result.error)) problem(result.message);
  return result;
}

/**
 * Join the session as `name`.
 *
 * Resolve with {ok: true, joined: {token, id, name}} or {ok: false, error, message}.
 */
export async function joinSession(code, name) {
  let response;
  try {
    response = await fetch(`/api/sessions/${encodeURIComponent(code)}/join`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ name }),
    });
  } catch {
    return {
      ok: false,
      error: "offline",
      message: "We couldn't reach the server. Check your connection and try again.",
    };
  }
  const body = await response.json().catch(() => ({}));
  if (response.status === 201 && body.token && body.participant) {
    const joined = { token: body.token, id: body.participant.id, name: body.participant.name };
    remember(code, joined);
    return { ok: true, joined };
  }
  const error = body.error || `http_${response.status}`;
  return {
    ok: false,
    error,
    message: body.message || JOIN_ERRORS[error] || "Something went wrong. Please try again.",
  };
}
