#!/usr/bin/env bash
# Translations (English source strings; French and Hungarian catalogs in translations/).
#   ./scripts/i18n.sh update    extract strings from code and templates, merge into the .po files
#   ./scripts/i18n.sh compile   build the .mo files the app loads (bootstrap.sh runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=.venv/bin/pybabel
case "${1:-compile}" in
  update)
    "$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o translations/messages.pot \
      app.py blueprints domain jobs templates
    for lang in fr hu; do
      if [ -f "translations/$lang/LC_MESSAGES/messages.po" ]; then
        "$PYBABEL" -q update -i translations/messages.pot -d translations -l "$lang" --no-fuzzy-matching
      else
        "$PYBABEL" -q init -i translations/messages.pot -d translations -l "$lang"
      fi
    done
    ;;
  compile)
    "$PYBABEL" -q compile -d translations
    ;;
  *) echo "usage: $0 update|compile" >&2; exit 2 ;;
esac
