// Draws a string (ticket or rotating check-in code) as a QR code on a 2d canvas.
const qr = require('../../utils/qr')

Component({
  options: { addGlobalClass: true },
  properties: {
    text: { type: String, value: '' },
    size: { type: Number, value: 240 },
  },
  observers: {
    'text, size'() {
      this.redraw()
    },
  },
  lifetimes: {
    ready() {
      this.redraw()
    },
  },
  methods: {
    redraw() {
      const text = this.data.text
      if (!text) return
      wx.createSelectorQuery()
        .in(this)
        .select('#qr')
        .fields({ node: true, size: true })
        .exec((res) => {
          const canvas = res && res[0] && res[0].node
          if (!canvas) return
          const dpr = (wx.getWindowInfo && wx.getWindowInfo().pixelRatio) || 2
          const dark = qr.draw(canvas, text, this.data.size, dpr)
          this.triggerEvent('drawn', { dark })
        })
    },
  },
})
