// The offline ticket check: the vendored Ed25519 verification against Node's own crypto, and the
// ticket reader against tickets the Go server's code issued (fixtures/tickets.json, written and
// checked by internal/checkin/ticket_fixture_test.go).
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const path = require('path')
const { ROOT } = require('./_helpers')

const ed25519 = require(path.join(ROOT, 'third_party', 'tweetnacl-verify'))
const ticket = require(path.join(ROOT, 'utils', 'ticket'))
const fixture = require('./fixtures/tickets.json')

function rawPublicKey(publicKey) {
  // SPKI DER of an Ed25519 key: a 12-byte header, then the 32 key bytes.
  return new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12))
}

test('Ed25519: agrees with Node crypto on random keys, messages and single-bit forgeries', () => {
  for (let i = 0; i < 40; i++) {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519')
    const pub = rawPublicKey(publicKey)
    const msg = new Uint8Array(crypto.randomBytes(i * 7))
    const sig = new Uint8Array(crypto.sign(null, msg, privateKey))
    assert.equal(ed25519.verify(msg, sig, pub), true, `genuine signature #${i} refused`)
    // Flip one random bit of the signature, the message or the key: Node refuses it, so must we.
    const parts = [sig, pub].concat(msg.length ? [msg] : [])
    const target = parts[i % parts.length]
    const copy = target.slice()
    copy[crypto.randomInt(copy.length)] ^= 1 << crypto.randomInt(8)
    const args = { sig: target === sig ? copy : sig, pub: target === pub ? copy : pub, msg: target === msg ? copy : msg }
    let nodeSays = false
    try {
      nodeSays = crypto.verify(null, args.msg, crypto.createPublicKey({ key: Buffer.concat([publicKey.export({ format: 'der', type: 'spki' }).subarray(0, 12), Buffer.from(args.pub)]), format: 'der', type: 'spki' }), args.sig)
    } catch {
      nodeSays = false
    }
    assert.equal(ed25519.verify(args.msg, args.sig, args.pub), nodeSays, `forgery #${i} judged differently from Node`)
    assert.equal(nodeSays, false)
  }
  assert.equal(ed25519.verify(new Uint8Array(1), new Uint8Array(63), new Uint8Array(32)), false)
  assert.equal(ed25519.verify(new Uint8Array(1), new Uint8Array(64), new Uint8Array(31)), false)
})

test('tickets issued by the Go server verify and decode to the same fields', () => {
  assert.ok(fixture.valid.length >= 4)
  for (const v of fixture.valid) {
    const got = ticket.verifyTicket(v.ticket, fixture.public_key)
    assert.ok(got, `${v.why}: refused`)
    assert.equal(got.registrationId, v.registration_id, v.why)
    assert.equal(got.sessionId, v.session_id, v.why)
    assert.equal(got.validFrom.getTime(), v.valid_from * 1000, v.why)
    assert.equal(got.validUntil.getTime(), v.valid_until * 1000, v.why)
  }
})

test('tickets the Go server refuses are refused on the phone too', () => {
  assert.ok(fixture.invalid.length >= 10)
  for (const v of fixture.invalid) {
    assert.equal(ticket.verifyTicket(v.ticket, fixture.public_key), null, `${v.why}: accepted`)
  }
  // A valid ticket with another key, or a malformed key, is refused.
  const { publicKey } = crypto.generateKeyPairSync('ed25519')
  const otherKey = Buffer.from(rawPublicKey(publicKey)).toString('base64')
  assert.equal(ticket.verifyTicket(fixture.valid[0].ticket, otherKey), null)
  assert.equal(ticket.verifyTicket(fixture.valid[0].ticket, 'not base64!'), null)
  assert.equal(ticket.verifyTicket(fixture.valid[0].ticket, ''), null)
})

test('base64 decoders match Node on random bytes and refuse what Go strict decoding refuses', () => {
  for (let n = 0; n < 70; n++) {
    const b = crypto.randomBytes(n)
    assert.deepEqual(Array.from(ticket.base64UrlDecode(b.toString('base64url'))), Array.from(b))
    assert.deepEqual(Array.from(ticket.base64Decode(b.toString('base64'))), Array.from(b))
  }
  assert.equal(ticket.base64UrlDecode('A'), null) // a dangling character
  assert.equal(ticket.base64UrlDecode('AB'), null) // leftover bits set
  assert.equal(ticket.base64UrlDecode('a+b/'), null) // standard alphabet
})

test('the tests\' ticket issuer reproduces the Go server\'s tickets byte for byte', () => {
  const { ticketKey } = require('./_tickets')
  const k = ticketKey(Buffer.alloc(32, 7)) // the fixture's seed
  assert.equal(k.publicKey, fixture.public_key)
  for (const v of fixture.valid) {
    const s = k.issue({ registrationId: v.registration_id, sessionId: v.session_id, validFrom: v.valid_from * 1000, validUntil: v.valid_until * 1000 })
    assert.equal(s, v.ticket, v.why)
  }
})
