#!/bin/sh
# The relay image's entrypoint: `docker run … cxone-relay` runs the relay; `docker run … cxone-relay doctor` (or
# setup, help, --version) runs the admin CLI with the same environment. exec keeps node as PID 1 for SIGTERM.
here=$(dirname "$0")
case "$1" in
  setup|doctor|help|--help|-h|--version|-V) exec node "$here/cli.js" "$@" ;;
  ""|relay) exec node "$here/relay.js" ;;
  *) exec "$@" ;;
esac
