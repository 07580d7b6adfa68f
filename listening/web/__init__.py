"""The web layer: HTTP pages and API, Socket.IO events, and the one emit path."""
