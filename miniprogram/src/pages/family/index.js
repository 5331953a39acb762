// Family members (dependents) list.
const list = require('../../behaviors/list')
const api = require('../../utils/api')
const fmt = require('../../utils/format')

function view(d) {
  const age = fmt.ageOn(d.birth_date)
  return Object.assign({}, d, {
    relationName: fmt.RELATION_NAMES[d.relation] || '',
    genderName: d.gender === 'female' ? '女' : d.gender === 'male' ? '男' : '',
    ageText: age === null ? '' : `${age} 岁`,
    consentText: d.consent ? fmt.formatDate(d.consent.at) : '',
  })
}

Component({
  behaviors: [list(() => api.listDependents(), view, 'onShow')],
  methods: {
    onAdd() {
      wx.navigateTo({ url: '/pages/family/edit' })
    },
    onEdit(e) {
      wx.navigateTo({ url: `/pages/family/edit?id=${e.currentTarget.dataset.id}` })
    },
  },
})
