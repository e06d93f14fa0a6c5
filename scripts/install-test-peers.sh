#!/usr/bin/env bash
# The real programs the test suite talks to (Debian 12 packages). Each peer is proved by using
# it the way the tests do: a file that exists proves nothing (Authen::SASL installs fine and
# still has no DIGEST-MD5 without Digest::HMAC). What does not work is installed, then proved
# again; a peer that still does not work stops the script with one line naming it.
#
#   scripts/install-test-peers.sh            prove; install what fails (root or sudo); prove again
#   scripts/install-test-peers.sh --check    prove only; exit 1 naming every peer that fails
#   scripts/install-test-peers.sh --list     the Debian packages, one a line
#   --only NAME[,NAME…]                      limit to these peers (names: --list-peers)
#
# Packages are installed with --no-install-recommends and every package a test needs is listed
# here by name, so what a machine ends up with does not depend on Debian's Recommends (that is
# how libdigest-hmac-perl went missing). Never add cyrus-clients: it pulls cyrus-imapd, which
# removes dovecot-imapd. Postfix is preseeded "No configuration": the tests run private
# instances from their own configuration directories, and no system mailer is set up.
set -uo pipefail

PEERS=(curl openssl python imap-tools gnutls dovecot postfix tshark poppler zbar chromium fonts
  perl-imap perl-net fetchmail mbsync mutt getmail offlineimap swaks msmtp)

declare -A PACKAGES=(
  [curl]="curl"
  [openssl]="openssl"
  [python]="python3"
  [imap-tools]="python3-imap-tools"
  [gnutls]="gnutls-bin"
  [dovecot]="dovecot-core dovecot-imapd dovecot-pop3d"
  [postfix]="postfix"
  [tshark]="tshark"
  [poppler]="poppler-utils"
  [zbar]="zbar-tools"
  [chromium]="chromium"
  [fonts]="fonts-dejavu-core fontconfig"
  [perl-imap]="perl libmail-imapclient-perl libauthen-sasl-perl libdigest-hmac-perl libio-socket-ssl-perl"
  [perl-net]="perl libauthen-sasl-perl libdigest-hmac-perl libio-socket-ssl-perl"
  [fetchmail]="fetchmail"
  [mbsync]="isync"
  [mutt]="mutt"
  [getmail]="getmail6"
  [offlineimap]="offlineimap3"
  [swaks]="swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl libdigest-hmac-perl"
  [msmtp]="msmtp"
)

# ─── proofs: each prints what went wrong on failure (the last line is quoted) ───

# Scratch space for the proofs that need files; removed on exit.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailprobe-peers.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# A proof's own reason for failing; the summary prefers it to the program's output.
why() { echo "why: $*"; return 1; }

# `has TEXT` reads stdin and fails, naming TEXT, when it is not there.
has() {
  local input
  input=$(cat)
  # No output at all: the program's own error (printed before this) says more.
  [[ -n $input ]] || { echo "no output (expected '$1')"; return 1; }
  grep -qF -- "$1" <<<"$input" || why "no '$1' in: $(tr '\n' ' ' <<<"$input" | sed -E 's/[^ ]*install-test-peers\.sh: line [0-9]+: //g' | tail -c 160)"
}

prove_curl() {
  # IMAP, POP3 and SMTP URLs, over TLS too (curl imap:// / imaps:// / pop3:// / smtp:// tests).
  local v
  v=$(curl -V) || return 1
  for p in imap imaps pop3 pop3s smtp smtps; do grep -qE "^Protocols:.* $p( |$)" <<<"$v" || why "curl without $p"; done
  has SSL <<<"$v"
}

prove_openssl() {
  # TLS 1.0 with AES128-SHA at security level 0, as the legacy-TLS tests ask of s_client.
  openssl ciphers -tls1 'AES128-SHA:@SECLEVEL=0' | has AES128-SHA
}

prove_python() {
  # The modules the tests import, and a TLS context as the TLS 1.0 tests build it.
  python3 -c 'import imaplib, poplib, smtplib, ssl
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.set_ciphers("AES128-SHA:@SECLEVEL=0")'
}

prove_imap-tools() {
  # Debian's module, for Debian's interpreter (a pyenv python3 on PATH does not see it).
  /usr/bin/python3 -c 'import imap_tools; imap_tools.MailBox'
}

prove_gnutls() {
  # The only stack here that still negotiates RC4 and 3DES, on TLS 1.0 and 1.1.
  local l
  l=$(gnutls-cli --list) || return 1
  for x in ARCFOUR-128 3DES-CBC VERS-TLS1.0 VERS-TLS1.1; do has "$x" <<<"$l" || return 1; done
  gnutls-serv --version >/dev/null
}

prove_dovecot() {
  # Dovecot's own IMAP and POP3 processes serving a Maildir (pre-authenticated on stdin), as the
  # reference tests start them from a private configuration. Mail processes never run as root.
  dovecot --version >/dev/null || return 1
  local d="$WORK/dovecot" uid gid
  mkdir -p "$d/Maildir/cur" "$d/Maildir/new" "$d/Maildir/tmp"
  if [[ $(id -u) -eq 0 ]]; then uid=nobody gid=nogroup; chmod 0711 "$WORK"; chown -R nobody:nogroup "$d"; else uid=$(id -u) gid=$(id -g); fi
  cat >"$d/dovecot.conf" <<EOF
mail_location = maildir:$d/Maildir
base_dir = $d/run
state_dir = $d/state
log_path = /dev/null
ssl = no
mail_uid = $uid
mail_gid = $gid
first_valid_uid = 0
first_valid_gid = 0
EOF
  printf 'a SELECT INBOX\r\nb LOGOUT\r\n' | env -i USER=probe HOME="$d" /usr/lib/dovecot/imap -c "$d/dovecot.conf" | has 'a OK [READ-WRITE]' || return 1
  printf 'STAT\r\nQUIT\r\n' | env -i USER=probe HOME="$d" /usr/lib/dovecot/pop3 -c "$d/dovecot.conf" | has '+OK 0 0'
}

prove_postfix() {
  # postconf runs Postfix's libraries; the tests start smtpd from a private configuration.
  postconf -d mail_version | has 'mail_version = 3.' || return 1
  for f in /usr/lib/postfix/sbin/smtpd /usr/lib/postfix/sbin/master /usr/sbin/smtp-sink /usr/sbin/smtp-source; do
    [[ -x $f ]] || why "$f missing"
  done
}

prove_tshark() {
  # text2pcap writes a capture and tshark decodes it, as the JA3 and capture tests do.
  printf '0000  2a 20 4f 4b 0d 0a\n' >"$WORK/h.txt"
  text2pcap -q -T 50000,993 "$WORK/h.txt" "$WORK/h.pcap" || return 1
  tshark -r "$WORK/h.pcap" -T fields -e tcp.dstport 2>&1 | has 993
}

prove_poppler() {
  pdftoppm -v 2>&1 | has 'pdftoppm version' || return 1
  pdftotext -v 2>&1 | has 'pdftotext version' || return 1
  pdfinfo -v 2>&1 | has 'pdfinfo version'
}

prove_zbar() {
  zbarimg --version
}

prove_chromium() {
  # A real headless start, rendering a page (playwright-core drives /usr/bin/chromium).
  timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --dump-dom 'data:text/html,<p>mailprobe-peer</p>' 2>&1 |
    has '<p>mailprobe-peer</p>'
}

prove_fonts() {
  # DejaVu Sans loads (fontconfig parses the file), for Chromium's pages and screenshots.
  fc-query -f '%{family}\n' /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf | has 'DejaVu Sans'
}

prove_perl-imap() {
  # Mail::IMAPClient with Authen::SASL's own DIGEST-MD5 and CRAM-MD5: one client step each.
  perl -MMail::IMAPClient -MIO::Socket::SSL -MAuthen::SASL -e '
    my $d = Authen::SASL->new(mechanism => "DIGEST-MD5", callback => { user => "u", pass => "p", authname => "u" })
      ->client_new("imap", "localhost") or die "no DIGEST-MD5 client\n";
    $d->client_start;
    ($d->client_step(q{realm="x",nonce="n",qop="auth",charset=utf-8,algorithm=md5-sess}) // "") =~ /response=[0-9a-f]{32}/
      or die "DIGEST-MD5: " . ($d->error // "no response") . "\n";
    my $c = Authen::SASL->new(mechanism => "CRAM-MD5", callback => { user => "u", pass => "p" })->client_new("imap", "localhost");
    $c->client_start;
    ($c->client_step("<1.2\@x>") // "") =~ /^u [0-9a-f]{32}$/ or die "CRAM-MD5: " . ($c->error // "no response") . "\n";'
}

prove_perl-net() {
  # Net::SMTP and Net::POP3 (core Perl) with SASL and TLS, as the SMTP and POP3 tests use them.
  perl -MNet::SMTP -MNet::POP3 -MIO::Socket::SSL -MAuthen::SASL -MAuthen::SASL::Perl::CRAM_MD5 -e '
    Net::SMTP->can("starttls") && Net::SMTP->can("auth") && Net::POP3->can("starttls") && Net::POP3->can("auth")
      or die "Net::SMTP/Net::POP3 without starttls or auth\n";'
}

prove_fetchmail() {
  fetchmail --version 2>&1 | has '+SSL'
}

prove_mbsync() {
  mbsync --version | has 'isync'
}

prove_mutt() {
  local v
  v=$(mutt -v) || return 1
  for f in +USE_IMAP +USE_POP +USE_SMTP +USE_SSL_GNUTLS +USE_GSASL; do has "$f" <<<"$v" || return 1; done
}

prove_getmail() {
  getmail --version | has 'getmail 6'
}

prove_offlineimap() {
  offlineimap --version
}

prove_swaks() {
  # swaks finds its TLS and SASL modules (each is a Recommends in Debian).
  local s
  s=$(swaks --support 2>&1)
  for x in 'AUTH CRAM-MD5 supported' 'AUTH DIGEST-MD5 supported' 'TLS supported'; do has "$x" <<<"$s" || return 1; done
}

prove_msmtp() {
  local v
  v=$(msmtp --version) || return 1
  for x in cram-md5 plain login 'TLS/SSL library: GnuTLS'; do has "$x" <<<"$v" || return 1; done
}

# ─── running the proofs ───

# Prove the given peers in parallel (Chromium's start dominates); print "name: reason" for each
# that fails (the proof's own reason, else the program's first line of output); return the
# number of failures.
prove() {
  local name failed=0
  for name in "$@"; do
    ( "prove_$name" >"$WORK/$name.out" 2>&1; echo $? >"$WORK/$name.rc" ) </dev/null &
  done
  wait
  for name in "$@"; do
    if [[ $(cat "$WORK/$name.rc") != 0 ]]; then
      failed=$((failed + 1))
      local reason
      reason=$(grep '^why: ' "$WORK/$name.out" | tail -n 1 | sed 's/^why: //')
      [[ -n $reason ]] || reason=$(grep -v '^[[:space:]]*$' "$WORK/$name.out" | head -n 1 | sed -E 's/^[^ ]*install-test-peers\.sh: line [0-9]+: //')
      [[ -n $reason ]] || reason="failed without a message"
      echo "$name: ${reason:0:200}"
    fi
  done
  return "$failed"
}

packages_of() {
  local name
  for name in "$@"; do tr ' ' '\n' <<<"${PACKAGES[$name]}"; done | awk 'NF && !seen[$0]++'
}

mode=install
selected=("${PEERS[@]}")
while (($#)); do
  case $1 in
    --check) mode=check ;;
    --list) mode=list ;;
    --list-peers) printf '%s\n' "${PEERS[@]}"; exit 0 ;;
    --only)
      shift
      IFS=, read -r -a selected <<<"${1:-}"
      for name in "${selected[@]}"; do
        [[ -n ${PACKAGES[$name]+x} ]] || { echo "test peers: unknown peer '$name' (try --list-peers)" >&2; exit 2; }
      done
      ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test peers: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ $mode == list ]]; then packages_of "${selected[@]}"; exit 0; fi

start=$(date +%s%N)
elapsed() { printf '%d.%d s' $((($(date +%s%N) - start) / 1000000000)) $((($(date +%s%N) - start) / 100000000 % 10)); }

failures=$(prove "${selected[@]}")
if [[ -z $failures ]]; then
  echo "test peers: ${#selected[@]} work ($(elapsed))"
  exit 0
fi
if [[ $mode == check ]]; then
  echo "test peers: not working: ${failures//$'\n'/; }" >&2
  exit 1
fi

broken=($(cut -d: -f1 <<<"$failures"))
missing=($(packages_of "${broken[@]}"))
echo "test peers: not working: ${broken[*]}; installing ${missing[*]}"

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "test peers: installing needs root or sudo (not working: ${broken[*]})" >&2; exit 1; }
  SUDO=(sudo)
fi
command -v apt-get >/dev/null || { echo "test peers: no apt-get: install ${missing[*]} by hand (Debian 12 names)" >&2; exit 1; }
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)

if [[ " ${missing[*]} " == *" postfix "* ]]; then
  echo 'postfix postfix/main_mailer_type select No configuration' | "${SUDO[@]}" debconf-set-selections
fi
"${APT[@]}" update -qq >"$WORK/apt.log" 2>&1 || { echo "test peers: apt-get update failed: $(tail -n 1 "$WORK/apt.log")" >&2; exit 1; }
"${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >"$WORK/apt.log" 2>&1 ||
  { echo "test peers: apt-get install ${missing[*]} failed: $(grep -E '^E:' "$WORK/apt.log" | tail -n 1)" >&2; exit 1; }

failures=$(prove "${broken[@]}")
if [[ -n $failures ]]; then
  echo "test peers: still not working after installing: ${failures//$'\n'/; }" >&2
  exit 1
fi
echo "test peers: installed ${missing[*]}; ${#selected[@]} work ($(elapsed))"
