#!/usr/bin/env bash
# Installs the real peers the test suite talks to (Debian 12 packages). Idempotent and quick
# when everything is already there. Never installs cyrus-clients: it pulls cyrus-imapd, which
# removes dovecot-imapd (../shared/PEERS.md).
set -euo pipefail

# package:command-that-proves-it-is-installed
peers=(
  "curl:curl"
  "python3:python3"
  "openssl:openssl"
  "gnutls-bin:gnutls-cli"
  "dovecot-imapd:/usr/sbin/dovecot"
  "tshark:tshark"
  "poppler-utils:pdftoppm"
  "zbar-tools:zbarimg"
  "chromium:/usr/bin/chromium"
  "libmail-imapclient-perl:/usr/share/perl5/Mail/IMAPClient.pm"
  "libauthen-sasl-perl:/usr/share/perl5/Authen/SASL.pm"
  "fonts-dejavu-core:/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
)

missing=()
for entry in "${peers[@]}"; do
  pkg=${entry%%:*}
  probe=${entry#*:}
  if [[ "$probe" == /* ]]; then [[ -e "$probe" ]] || missing+=("$pkg")
  else command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg"); fi
done

if ((${#missing[@]} == 0)); then
  echo "test peers: all present"
  exit 0
fi

echo "test peers: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "test peers: installed"
