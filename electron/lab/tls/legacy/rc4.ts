/**
 * RC4 (the cipher of TLS_RSA_WITH_RC4_128_MD5/SHA, RFC 2246 appendix A.5). OpenSSL 3 keeps it in
 * the legacy provider, which Node does not load, so it is written here: it is a few lines, and
 * the lab needs it only because the phones of 2006 (the seed's Nokia 6233) chose it. RFC 7465
 * forbids it on the open Internet; the lab speaks it only to the phone on the bench.
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Uint8Array) {
    if (key.length === 0 || key.length > 256) throw new RangeError('RC4 key must be 1..256 bytes');
    const s = this.s;
    for (let k = 0; k < 256; k++) s[k] = k;
    let j = 0;
    for (let k = 0; k < 256; k++) {
      j = (j + s[k] + key[k % key.length]) & 0xff;
      const t = s[k];
      s[k] = s[j];
      s[j] = t;
    }
  }

  /** Encrypt or decrypt (the same operation), continuing the key stream. */
  update(data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    const s = this.s;
    let i = this.i;
    let j = this.j;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]) & 0xff;
      const t = s[i];
      s[i] = s[j];
      s[j] = t;
      out[n] = data[n] ^ s[(s[i] + s[j]) & 0xff];
    }
    this.i = i;
    this.j = j;
    return out;
  }
}
