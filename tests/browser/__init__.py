"""Browser tests: a real server, driven through Debian chromium with playwright."""
