#!/bin/sh
# What the official images' entrypoint does, reduced: run the command given, Odoo by default.
set -e
exec "$@"
