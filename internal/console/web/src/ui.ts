// The Element Plus components and icons the console uses, registered one by
// one so the build carries only these (the whole library would be twice the size).
import type { App } from 'vue'
import {
  ElAlert, ElAside, ElAvatar, ElBadge, ElButton, ElCard, ElCheckbox, ElCheckboxGroup, ElCol, ElConfigProvider, ElContainer,
  ElDatePicker, ElDescriptions, ElDescriptionsItem, ElDialog, ElDivider, ElDrawer, ElDropdown, ElDropdownItem,
  ElDropdownMenu, ElEmpty, ElForm, ElFormItem, ElHeader, ElIcon, ElImage, ElInput, ElInputNumber, ElLink,
  ElLoading, ElMain, ElMenu, ElMenuItem, ElMenuItemGroup, ElOption, ElPagination, ElPopconfirm, ElProgress,
  ElRadioButton, ElRadioGroup, ElRow, ElSelect, ElSkeleton, ElSpace, ElStatistic, ElSwitch, ElTable,
  ElTableColumn, ElTabPane, ElTabs, ElTag, ElTimeSelect, ElTooltip, ElUpload, ElRate,
} from 'element-plus'
import {
  Bell, Calendar, DataLine, DocumentChecked, EditPen, Histogram, List, MapLocation, OfficeBuilding, Stamp,
  Tickets, User, Watch, Refresh, Search, Download, Plus, SwitchButton, Connection, ChatDotRound, House, Trophy, Postcard,
} from '@element-plus/icons-vue'

const components = [
  ElAlert, ElAside, ElAvatar, ElBadge, ElButton, ElCard, ElCheckbox, ElCheckboxGroup, ElCol, ElConfigProvider, ElContainer,
  ElDatePicker, ElDescriptions, ElDescriptionsItem, ElDialog, ElDivider, ElDrawer, ElDropdown, ElDropdownItem,
  ElDropdownMenu, ElEmpty, ElForm, ElFormItem, ElHeader, ElIcon, ElImage, ElInput, ElInputNumber, ElLink,
  ElMain, ElMenu, ElMenuItem, ElMenuItemGroup, ElOption, ElPagination, ElPopconfirm, ElProgress,
  ElRadioButton, ElRadioGroup, ElRow, ElSelect, ElSkeleton, ElSpace, ElStatistic, ElSwitch, ElTable,
  ElTableColumn, ElTabPane, ElTabs, ElTag, ElTimeSelect, ElTooltip, ElUpload, ElRate,
]

export const icons = {
  Bell, Calendar, DataLine, DocumentChecked, EditPen, Histogram, List, MapLocation, OfficeBuilding, Stamp,
  Tickets, User, Watch, Refresh, Search, Download, Plus, SwitchButton, Connection, ChatDotRound, House, Trophy, Postcard,
}

export function installUI(app: App) {
  // By name, not app.use: sub-components such as ElRadioGroup or ElTableColumn
  // install nothing themselves (their parent's plugin registers them).
  for (const c of components) app.component((c as { name: string }).name, c)
  app.use(ElLoading)
  for (const [name, c] of Object.entries(icons)) app.component(name, c)
}
