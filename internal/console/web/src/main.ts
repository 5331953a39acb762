import { createApp } from 'vue'
import 'element-plus/dist/index.css'
import './style.css'
import App from './App.vue'
import { router } from './router'
import { installUI } from './ui'

const app = createApp(App)
installUI(app)
app.use(router)
app.mount('#app')
