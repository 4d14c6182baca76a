// The pair-room format of worker/src/signal.rs, reimplemented with
// node:crypto, for tests that play a hostile tracker: anyone who knows two
// public keys can compute their room, read its sealed offers and forge new
// ones. What they cannot do is pass the handshake.

import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

export function roomOf(fpA, fpB, password = '') {
  const [lo, hi] = [Buffer.from(fpA, 'hex'), Buffer.from(fpB, 'hex')].sort(Buffer.compare);
  const topic = createHash('sha256').update('trustero/room/v1').update(lo).update(hi).update(password).digest();
  const announceId = createHash('sha256').update('trustero/announce/v1').update(topic).digest();
  const key = Buffer.from(hkdfSync('sha256', topic, Buffer.alloc(0), 'trustero/signal/v1', 32));
  return {
    infoHash: announceId.toString('hex').slice(0, 20),
    open(base64) {
      const blob = Buffer.from(base64, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(1, 13));
      decipher.setAAD(announceId);
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      return JSON.parse(Buffer.concat([decipher.update(blob.subarray(13, blob.length - 16)), decipher.final()]).toString());
    },
    seal(message) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(announceId);
      const body = Buffer.concat([cipher.update(JSON.stringify(message)), cipher.final()]);
      return Buffer.concat([Buffer.of(1), nonce, body, cipher.getAuthTag()]).toString('base64');
    },
  };
}
