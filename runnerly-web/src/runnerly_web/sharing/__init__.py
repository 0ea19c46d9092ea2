"""Share links, privacy zones and the public shared page (docs/decisions.md, 65)."""
