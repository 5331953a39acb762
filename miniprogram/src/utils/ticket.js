// Entry tickets as the server issues them (internal/checkin/ticket.go, version 1), read and
// verified on the staff's phone for the offline check, with the public key of the check-in kit:
//
//   base64url (no padding) of
//     version 1 byte (= 1) | uvarint registration_id | uvarint session_id |
//     uvarint valid_from (Unix seconds) | uvarint valid_minutes |
//     Ed25519 signature (64 bytes) over "gongjian/ticket/v1" + the bytes before it
const ed25519 = require('../third_party/tweetnacl-verify')

const VERSION = 1
const SIG_BYTES = 64
const DOMAIN = 'gongjian/ticket/v1'
// 1 version byte + 5 uvarints of at most 10 bytes + the signature, as base64url.
const MAX_BYTES = 1 + 5 * 10 + SIG_BYTES
const MAX_CHARS = Math.ceil((MAX_BYTES * 4) / 3)

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const URL_ALPHABET = `${B64}-_`
const STD_ALPHABET = `${B64}+/`

function decodeWith(alphabet, s) {
  const out = []
  let acc = 0
  let bits = 0
  for (let i = 0; i < s.length; i++) {
    const v = alphabet.indexOf(s[i])
    if (v < 0) return null
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out.push((acc >> bits) & 0xff)
    }
    acc &= (1 << bits) - 1
  }
  // Strict: no dangling character, no set bits left over (Go's Strict() decoding).
  if (bits >= 6 || acc !== 0) return null
  return new Uint8Array(out)
}

/** base64url without padding → bytes (null when malformed). */
function base64UrlDecode(s) {
  return decodeWith(URL_ALPHABET, String(s))
}

/** Standard base64 (padding allowed) → bytes (null when malformed). */
function base64Decode(s) {
  return decodeWith(STD_ALPHABET, String(s || '').replace(/=+$/, ''))
}

function utf8(s) {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) // the domain is ASCII
  return out
}

/** Reads an unsigned varint at pos: {value, next}, or null (truncated, too long, > 2^53). */
function uvarint(b, pos) {
  let value = 0
  let scale = 1
  for (let i = 0; i < 10 && pos + i < b.length; i++) {
    const byte = b[pos + i]
    value += (byte & 0x7f) * scale
    if (value > Number.MAX_SAFE_INTEGER) return null
    if (byte < 0x80) return { value, next: pos + i + 1 }
    scale *= 128
  }
  return null
}

/**
 * Verifies a ticket with the kit's public key (standard base64) and decodes it.
 * @param {string} ticket the scanned string
 * @param {string} publicKeyBase64
 * @returns {{registrationId: number, sessionId: number, validFrom: Date, validUntil: Date} | null}
 */
function verifyTicket(ticket, publicKeyBase64) {
  const s = String(ticket || '').trim()
  if (!s || s.length > MAX_CHARS) return null
  const raw = base64UrlDecode(s)
  const pub = base64Decode(publicKeyBase64)
  if (!raw || !pub || pub.length !== 32 || raw.length < 1 + 4 + SIG_BYTES || raw[0] !== VERSION) return null
  const payload = raw.subarray(0, raw.length - SIG_BYTES)
  const sig = raw.subarray(raw.length - SIG_BYTES)
  const domain = utf8(DOMAIN)
  const msg = new Uint8Array(domain.length + payload.length)
  msg.set(domain, 0)
  msg.set(payload, domain.length)
  if (!ed25519.verify(msg, sig, pub)) return null
  const vals = []
  let pos = 1
  for (let i = 0; i < 4; i++) {
    const r = uvarint(payload, pos)
    if (!r) return null
    vals.push(r.value)
    pos = r.next
  }
  if (pos !== payload.length || vals[0] === 0 || vals[2] > 2 ** 40 || vals[3] > 2 ** 30) return null
  const from = vals[2] * 1000
  return { registrationId: vals[0], sessionId: vals[1], validFrom: new Date(from), validUntil: new Date(from + vals[3] * 60000) }
}

module.exports = { verifyTicket, base64UrlDecode, base64Decode }
