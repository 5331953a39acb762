// How a staff action reports back: a success toast, or the server's Chinese
// message with the request id to quote to support; prompts for a reason.
import { ref } from 'vue'
import { ElMessage, ElMessageBox } from 'element-plus'
import { ApiError } from '../api/http'

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.requestId ? `${e.message}（请求编号 ${e.requestId}）` : e.message
  return (e as Error)?.message || '操作失败'
}

/** act runs a staff action; true when it succeeded. */
export async function act(fn: () => Promise<unknown>, done: string): Promise<boolean> {
  try {
    await fn()
    ElMessage.success(done)
    return true
  } catch (e) {
    ElMessage.error({ message: errorText(e), duration: 6000 })
    return false
  }
}

/** useAct is act behind a button (an export): busy while it runs, for the button's loading. */
export function useAct(fn: () => Promise<unknown>, done: string) {
  const busy = ref(false)
  async function run() {
    busy.value = true
    await act(fn, done)
    busy.value = false
  }
  return { busy, run }
}

/** askReason asks for a reason (required, at most 200 characters); null when cancelled. */
export async function askReason(title: string, label = '请填写原因（将告知相关居民）'): Promise<string | null> {
  try {
    const r = await ElMessageBox.prompt(label, title, {
      confirmButtonText: '确定', cancelButtonText: '取消',
      inputValidator: (v: string) => (!v || !v.trim() ? '原因不能为空' : [...v].length > 200 ? '不能超过 200 个字' : true),
    })
    return (r as { value: string }).value.trim()
  } catch {
    return null
  }
}

export async function confirm(message: string, title = '请确认'): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, { confirmButtonText: '确定', cancelButtonText: '取消', type: 'warning' })
    return true
  } catch {
    return false
  }
}
