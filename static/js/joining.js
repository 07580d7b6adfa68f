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
