"""The message queue between server processes (Redis), and what happens when it comes back.

Every process publishes what it sends to the queue, and each delivers to its own screens what
the others published. While Redis is down or restarting, a process still reaches its own
screens but not the others'; when it comes back, each process's listener subscribes again and
this module has the process resend every screen it holds all it may see now, so nobody is left
looking at a turn that ended while the queue was away.
"""

from __future__ import annotations

from collections.abc import Callable

import socketio


class ResyncingRedisManager(socketio.RedisManager):
    """python-socketio's Redis client manager, telling us each time it subscribes again."""

    def __init__(self, url: str, on_resubscribed: Callable[[], None], **options):
        super().__init__(url, **options)
        self.on_resubscribed = on_resubscribed
        self.subscriptions = 0

    def _redis_connect(self) -> None:
        super()._redis_connect()
        subscribe = self.pubsub.subscribe

        def subscribed(*channels, **more):
            answer = subscribe(*channels, **more)
            self.subscriptions += 1
            if self.subscriptions > 1:  # not the first: the queue was away and is back
                self.server.start_background_task(self.on_resubscribed)
            return answer

        self.pubsub.subscribe = subscribed
