// The staff's offline ticket check against an activity's check-in kit
// (GET /activities/{id}/checkin-kit): the ticket's Ed25519 signature with the kit's public key,
// its session among the activity's sessions, revoked and already checked-in registrations, scans
// this phone already holds, and the session's acceptance window. The server judges every scan
// again when the queue is synced (POST /checkins/batch); this check only keeps a bad ticket out
// at the door while there is no network.
const { verifyTicket } = require('./ticket')
const fmt = require('./format')

/**
 * @typedef {{id: number, starts_at?: string, ends_at?: string, accept_from?: string, accept_until?: string}} KitSession
 * @typedef {{public_key: string, sessions?: KitSession[], window?: {session_id?: number, opens_at?: string, closes_at?: string},
 *   revoked?: string[], revoked_registration_ids?: number[], checked_in_registration_ids?: number[]}} Kit
 * @typedef {{ticket: string, registration_id?: number}} Held
 * @typedef {{ok: boolean, registrationId?: number, sessionId?: number, code?: string, message?: string}} Verdict ok, or the refusal's code and message
 */

function refuse(code, message) {
  return /** @type {Verdict} */ ({ ok: false, code, message })
}

/**
 * @param {Kit} kit
 * @param {string} scanned the scanned string
 * @param {number} now milliseconds
 * @param {Held[]} held scans this phone holds (queued for sync)
 * @returns {Verdict}
 */
function judge(kit, scanned, now, held) {
  if (!kit || !kit.public_key) return refuse('NO_KIT', '核验包不完整，请联网后重新下载')
  const s = String(scanned || '').trim()
  const t = verifyTicket(s, kit.public_key)
  if (!t) return refuse('BAD_TICKET', '无效的入场码，请让居民在“我的报名”中重新打开入场码')
  const sessions = kit.sessions || []
  const session = sessions.find((x) => Number(x.id) === t.sessionId)
  if (!session) return refuse('WRONG_SESSION', '不是本活动的入场码')
  if ((kit.revoked_registration_ids || []).indexOf(t.registrationId) >= 0 || (kit.revoked || []).indexOf(s) >= 0) {
    return refuse('REVOKED', '这张入场码已作废（报名已取消）')
  }
  if ((kit.checked_in_registration_ids || []).indexOf(t.registrationId) >= 0) return refuse('ALREADY_CHECKED_IN', '下载核验包时已签到过')
  if ((held || []).some((p) => p.registration_id === t.registrationId || p.ticket === s)) return refuse('ALREADY_CHECKED_IN', '本机已记录过这张入场码')
  const win = kit.window && Number(kit.window.session_id) === t.sessionId ? kit.window : {}
  const from = fmt.toDate(session.accept_from || win.opens_at)
  const until = fmt.toDate(session.accept_until || win.closes_at)
  if (from && now < from.getTime()) return refuse('TOO_EARLY', `还没到签到时间（${fmt.formatDateTime(from)} 开始）`)
  if (until && now > until.getTime()) return refuse('TOO_LATE', '本场签到已结束')
  return { ok: true, registrationId: t.registrationId, sessionId: t.sessionId }
}

module.exports = { judge }
