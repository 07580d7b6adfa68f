"""The Socket.IO channels screens listen on; a snapshot is sent to a channel, never per person."""


def lobby_channel(session_id: int) -> str:
    """Return the channel every screen of a session listens on."""
    return f"lobby:{session_id}"


def host_channel(session_id: int) -> str:
    """Return the channel the host's screens listen on."""
    return f"host:{session_id}"


def person_channel(public_id: str) -> str:
    """Return the channel all of one participant's screens listen on."""
    return f"p:{public_id}"
