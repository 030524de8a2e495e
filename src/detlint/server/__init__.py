"""`detlint server`: detlint as a language server, for editors (`app.serve`). Imported only by that
command; it needs the `server` extra (`pip install "detlint[server]"`: pygls and lsprotocol)."""
