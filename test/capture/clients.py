"""Mail clients for the capture-export tests: one session of IMAP, SMTP or POP3 as the JSON
argument says (plain, STARTTLS or implicit TLS, with a chosen TLS version and cipher list).
Prints the local port of its connection first, so the test can find the lab's connection."""
import imaplib, json, poplib, smtplib, ssl, sys

o = json.loads(sys.argv[1])
ctx = None
if o['security'] != 'plain':
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if o.get('min'):
        ctx.minimum_version = getattr(ssl.TLSVersion, o['min'])
    if o.get('max'):
        ctx.maximum_version = getattr(ssl.TLSVersion, o['max'])
    if o.get('ciphers'):
        ctx.set_ciphers(o['ciphers'])
tls = o['security'] == 'tls'
starttls = o['security'] == 'starttls'
host, port, user, pw = o['host'], o['port'], o['user'], o['password']

def hello(sock):
    print(json.dumps({'local': sock.getsockname()[1]}), flush=True)

if o['proto'] == 'imap':
    m = imaplib.IMAP4_SSL(host, port, ssl_context=ctx) if tls else imaplib.IMAP4(host, port)
    hello(m.sock)
    if starttls:
        m.starttls(ssl_context=ctx)
    m.login(user, pw)
    m.select('INBOX')
    m.fetch('1', '(FLAGS)')
    m.logout()
elif o['proto'] == 'smtp':
    s = smtplib.SMTP_SSL(host, port, context=ctx) if tls else smtplib.SMTP(host, port)
    hello(s.sock)
    s.ehlo('pcap.example')
    if starttls:
        s.starttls(context=ctx)
        s.ehlo('pcap.example')
    s.login(user, pw)
    s.sendmail('phone@lab.example', ['friend@example.com'], 'Subject: capture export\r\n\r\nHello.\r\n')
    s.quit()
else:
    p = poplib.POP3_SSL(host, port, context=ctx) if tls else poplib.POP3(host, port)
    hello(p.sock)
    if starttls:
        p.stls(context=ctx)
    p.user(user)
    p.pass_(pw)
    p.stat()
    p.list()
    p.quit()
