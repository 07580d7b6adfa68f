// How long a full room takes, for the create form as it changes. The server renders the same
// sentence with the page (listening/web/host.py); a test keeps the two in step. The limits
// and defaults come from the form's own attributes, rendered by the server.

/** How a whole number may be typed (the same pattern as the server's). */
const WHOLE_NUMBER = /^\s*[-+]?[0-9]+\s*$/;

/** Return a setting as typed: the default if it is not a whole number, else within [low, high]. */
export function settingFrom(text, { fallback, low, high }) {
  const value = WHOLE_NUMBER.test(text) ? Number.parseInt(text, 10) : fallback;
  return Math.min(Math.max(value, low), high);
}

/** Return "A full room of 8 takes about 50 minutes." */
export function fullRoomSentence({ rounds, cap, turnSeconds, silenceSeconds }) {
  const minutes = Math.round((rounds * cap * (turnSeconds + silenceSeconds)) / 60);
  return `A full room of ${cap} takes about ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`;
}
