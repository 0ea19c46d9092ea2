"""The client registry: who may ask for tokens, for which audiences and scopes."""
