// Service record: every credited entry, to show to a school or employer.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const session = require('../../utils/session')

Component({
  data: { loading: true, loaded: false, error: '', name: '', totalText: '', generatedText: '', entries: [] },
  methods: {
    onLoad() {
      return this.load()
    },
    load() {
      this.setData({ error: '' })
      return api.myHoursRecord().then(
        (res) => {
          const me = session.getUser() || {}
          const list = (res && (res.entries || res.items)) || []
          this.setData({
            loading: false,
            loaded: true,
            name: (res && (res.name || res.real_name)) || me.real_name || me.nickname || '',
            totalText: fmt.formatMinutes(res && res.total_minutes !== undefined ? res.total_minutes : list.reduce((s, x) => s + (x.minutes || 0), 0)),
            generatedText: fmt.formatDateTime(res && res.generated_at),
            entries: list.map((x, i) => ({
              key: x.id || i,
              title: x.activity_title || x.title || '志愿服务',
              minutesText: fmt.formatMinutes(x.minutes),
              dateText: fmt.formatDateTime(x.started_at || x.date || x.created_at),
              org: x.host_org_name || '',
            })),
          })
        },
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
  },
})
