"""Push subscriptions: the validation handshake and event delivery."""
