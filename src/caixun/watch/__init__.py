"""Watches: named rules over typed news (words, securities, regions, sources,
the provider's importance mark, figures), matched as articles are stored,
delivered once per story through Apprise channels (docs/watch.md)."""
