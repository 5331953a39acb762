// The wristband data consent: one text and version for the bind page and the detail page (giving the
// consent again after a revocation). The pages show the text the server serves (api.wristbandConsent,
// through inForce) and send back its version; this copy is shown only
// when that request fails. It is the server's wristband.ConsentVersion and wristband.ConsentText
// (internal/wristband/wristband.go; a Go test keeps them equal): change both together, and a new
// text needs a new version (the server records the version sent with each consent).

const CONSENT_VERSION = 'v1'

const CONSENT_TITLE = '《智能手环数据使用说明》'

const CONSENT_TEXT =
  '手环会采集佩戴人的位置、心率、血压、血糖和紧急呼叫，仅用于紧急救助和健康关怀。' +
  '数据只对佩戴人本人、绑定人邀请的监护人和社区值守人员可见，原始数据最多保存一定期限；' +
  '撤回同意后立即停止采集并删除已采集的数据。'

/**
 * The consent in force: the server's text and version, or this copy when the request fails.
 * @param {{ wristbandConsent: () => Promise<any> }} api
 * @returns {Promise<{ version: string, text: string }>}
 */
function inForce(api) {
  const copy = { version: CONSENT_VERSION, text: CONSENT_TEXT }
  return api.wristbandConsent().then(
    (c) => (c && typeof c.version === 'string' && c.version && typeof c.text === 'string' && c.text ? { version: c.version, text: c.text } : copy),
    () => copy,
  )
}

module.exports = { CONSENT_VERSION, CONSENT_TITLE, CONSENT_TEXT, inForce }
