// A page with text fields: each input or textarea says with data-field which of the page's data it
// sets (bindinput="onField").
module.exports = Behavior({
  methods: {
    /** A text field: data-field names what it sets. */
    onField(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value })
    },
  },
})
