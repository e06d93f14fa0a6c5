/** The standard port for each protocol and security (RFC 3501, RFC 8314, RFC 6409, RFC 1939). */
export function standardPort(proto: 'imap' | 'smtp' | 'pop3', security: 'none' | 'starttls' | 'tls'): number {
  const implicit = security === 'tls';
  switch (proto) {
    case 'imap':
      return implicit ? 993 : 143;
    case 'smtp':
      return implicit ? 465 : 587;
    case 'pop3':
      return implicit ? 995 : 110;
  }
}
