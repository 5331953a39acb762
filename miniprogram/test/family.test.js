const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')
const fx = require('./_fixtures')

test.beforeEach(() => h.resetModules())

function routes(over = {}) {
  return Object.assign({
    'GET /api/v1/me/dependents': { items: fx.dependents() },
    'POST /api/v1/me/dependents': (r) => ({ status: 201, body: Object.assign({ id: 99 }, r.data) }),
    'PATCH /api/v1/me/dependents/:id': (r) => Object.assign({ id: 12 }, r.data),
    'DELETE /api/v1/me/dependents/:id': { status: 204, body: null },
  }, over)
}

const y = new Date().getFullYear()

test('family list shows relation, age, masked ID and consent', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/family/index')
  const t = h.text(page)
  assert.match(t, /张小明 子女/)
  assert.match(t, /男 · 9 岁/)
  assert.match(t, /监护人已同意/)
  assert.match(t, /王德福 父母/)
  assert.match(t, /3101\*{10}5678/)
  await h.tap(page, h.$$(page, '.member')[1])
  await h.tap(page, '.btn-add')
  assert.deepEqual(w.navigations.map((n) => n.url), ['/pages/family/edit?id=12', '/pages/family/edit'])
})

test('adding a child under 14 needs the guardian-consent step, then posts guardian_consent', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/family/edit', {})
  await h.input(page, '.input-name', '李小雨')
  await h.tap(page, '.gender-female')
  await h.input(page, '.birth-picker', `${y - 7}-03-15`, 'change')
  assert.match(h.text(page), /下一步需要监护人同意/)
  await h.tap(page, '.btn-save')
  assert.match(h.text(page), /我是该儿童的监护人/)
  assert.equal(w.requests('POST', '/api/v1/me/dependents').length, 0)
  // saving without ticking the consent box is refused
  await h.tap(page, '.btn-save')
  assert.deepEqual(w.toasts, ['请先勾选监护人同意'])
  assert.equal(w.requests('POST', '/api/v1/me/dependents').length, 0)
  await h.tap(page, '.consent-check')
  await h.tap(page, '.btn-save')
  assert.deepEqual(w.requests('POST', '/api/v1/me/dependents')[0].data, {
    name: '李小雨', relation: 'child', gender: 'female', birth_date: `${y - 7}-03-15`, guardian_consent: { version: 'guardian-v1' },
  })
  assert.deepEqual(w.navigations, [{ type: 'navigateBack' }])
})

test('adding an adult needs no consent step and may carry an ID number', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/family/edit', {})
  await h.input(page, '.input-name', '王德福')
  await h.tap(page, h.$$(page, '.relation')[1])
  await h.tap(page, '.gender-male')
  await h.input(page, '.birth-picker', '1946-03-12', 'change')
  await h.input(page, '.input-id', '31010119460312567x')
  await h.tap(page, '.btn-save')
  assert.deepEqual(w.requests('POST', '/api/v1/me/dependents')[0].data, {
    name: '王德福', relation: 'parent', gender: 'male', birth_date: '1946-03-12', id_number: '31010119460312567X',
  })
})

test('a wrong ID number is refused before calling the server', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/family/edit', {})
  await h.input(page, '.input-name', '王德福')
  await h.tap(page, '.gender-male')
  await h.input(page, '.birth-picker', '1946-03-12', 'change')
  await h.input(page, '.input-id', '12345')
  await h.tap(page, '.btn-save')
  assert.deepEqual(w.toasts, ['身份证号格式不正确'])
  assert.equal(w.requests('POST', '/api/v1/me/dependents').length, 0)
})

test('editing an existing member patches it; delete asks first', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/family/edit', { id: '12' })
  assert.equal(page.data.form.name, '王德福')
  assert.match(page.data.idPlaceholder, /已登记 3101/)
  await h.input(page, '.input-name', '王德富')
  await h.tap(page, '.btn-save')
  assert.deepEqual(w.requests('PATCH', '/api/v1/me/dependents/12')[0].data, { name: '王德富', relation: 'parent', gender: 'male', birth_date: '1946-03-12' })
  await h.tap(page, '.btn-delete')
  assert.match(w.modals[0].content, /确定删除「王德富」吗/)
  // what the server does (DELETE /me/dependents/{id}): upcoming registrations are cancelled and
  // a wristband the member wears is unbound; the warning must say so, not the opposite
  assert.match(w.modals[0].content, /未开始的报名将被取消/)
  assert.match(w.modals[0].content, /手环.*解绑/)
  assert.doesNotMatch(w.modals[0].content, /不受影响/)
  assert.equal(w.requests('DELETE', '/api/v1/me/dependents/12').length, 1)
})

test('server refusal of a member shows its message', async () => {
  const { w, page } = await h.openPage({ routes: routes({ 'POST /api/v1/me/dependents': { status: 422, body: { code: 'CONSENT_REQUIRED', message: '14 周岁以下儿童需要监护人同意' } } }) }, 'pages/family/edit', {})
  await h.input(page, '.input-name', '王德福')
  await h.tap(page, '.gender-male')
  await h.input(page, '.birth-picker', '1946-03-12', 'change')
  await h.tap(page, '.btn-save')
  assert.equal(w.modals[0].content, '14 周岁以下儿童需要监护人同意')
})

test('the consent step shows the server\'s guardian-consent text and sends its version', async () => {
  const consent = { version: 'guardian-v2', text: '（第二版）您正在为未满 14 周岁的儿童登记信息，需要您作为监护人同意。' }
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/me/dependents/consent': consent }) }, 'pages/family/edit', {})
  await h.input(page, '.input-name', '李小雨')
  await h.tap(page, '.gender-female')
  await h.input(page, '.birth-picker', `${y - 7}-03-15`, 'change')
  await h.tap(page, '.btn-save')
  assert.match(h.text(page), /（第二版）您正在为未满 14 周岁的儿童登记信息/)
  assert.match(h.text(page), /李小雨/)
  await h.tap(page, '.consent-check')
  await h.tap(page, '.btn-save')
  assert.deepEqual(w.requests('POST', '/api/v1/me/dependents')[0].data.guardian_consent, { version: 'guardian-v2' })
})
