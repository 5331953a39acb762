// Test-only issuer of entry tickets in the server's format (internal/checkin/ticket.go), so page
// tests can scan real, signed tickets. ed25519.test.js checks it reproduces the Go server's
// tickets byte for byte (Ed25519 signatures are deterministic).
const crypto = require('crypto')

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

function uvarint(v) {
  const out = []
  while (v >= 128) {
    out.push((v % 128) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return out
}

/** A ticket key from a 32-byte seed: {issue(fields), publicKey (base64)}. */
function ticketKey(seed = crypto.randomBytes(32)) {
  const priv = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(seed)]), format: 'der', type: 'pkcs8' })
  const pub = crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length)
  return {
    publicKey: Buffer.from(pub).toString('base64'),
    /**
     * @param {{registrationId: number, sessionId: number, validFrom: number|Date, validUntil: number|Date}} t times in ms or Dates
     */
    issue(t) {
      const from = Math.floor(new Date(t.validFrom).getTime() / 1000)
      const minutes = Math.max(0, Math.floor((new Date(t.validUntil).getTime() / 1000 - from) / 60))
      const payload = Buffer.from([1].concat(uvarint(t.registrationId), uvarint(t.sessionId), uvarint(from), uvarint(minutes)))
      const sig = crypto.sign(null, Buffer.concat([Buffer.from('gongjian/ticket/v1'), payload]), priv)
      return Buffer.concat([payload, sig]).toString('base64url')
    },
  }
}

module.exports = { ticketKey }
